"""Skips cannot hide in CI: the ``AUTOMATION_REQUIRE_ALL`` hooks work, and no test skips on a missing project module.

The hooks are run on a throw-away test tree in a child pytest, once with the variable and once without, so the
test sees exactly what CI would report.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from skip_policy import REQUIRE_ALL_ENV

TESTS = Path(__file__).resolve().parent

CHILD_CONFTEST = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from skip_policy import (  # noqa: F401
    pytest_collection_modifyitems, pytest_configure, pytest_make_collect_report, pytest_runtest_makereport)
"""
CHILD_TESTS = {
    "test_a.py": """
        import pytest

        def test_passes():
            assert True

        def test_skips():
            pytest.skip("no frobnicator here")

        @pytest.mark.skipif(True, reason="not on this machine")
        def test_skipif():
            pass

        @pytest.fixture
        def needs_thing():
            pytest.skip("the thing is missing")

        def test_fixture_skips(needs_thing):
            pass

        @pytest.mark.xfail(reason="known bug", strict=True)
        def test_expected_failure():
            assert False

        @pytest.mark.only_on("no-such-platform")
        def test_elsewhere():
            assert False
    """,
    "test_b.py": """
        import pytest
        pytest.importorskip("no_such_module_anywhere")

        def test_never_collected():
            pass
    """,
}


def run_child(tmp_path: Path, *, require_all: bool) -> tuple[int, str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(CHILD_CONFTEST, encoding="utf-8")
    for name, body in CHILD_TESTS.items():
        (tmp_path / name).write_text(textwrap.dedent(body), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_ALL_ENV}
    if require_all:
        env[REQUIRE_ALL_ENV] = "1"
    done = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider",
                           "--continue-on-collection-errors", "-c", str(tmp_path / "pytest.ini"),
                           f"--rootdir={tmp_path}", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def counts(output: str) -> dict[str, int]:
    last = output.strip().splitlines()[-1]
    found = re.findall(r"(\d+) (passed|failed|skipped|xfailed|deselected|error)s?\b", last)
    return {word: int(n) for n, word in found}


def test_skips_fail_when_every_test_is_required(tmp_path: Path) -> None:
    code, output = run_child(tmp_path, require_all=True)
    assert code != 0, output
    # A skip in the test body fails it; one at setup (skipif, a fixture) or at import (the module) is an error;
    # xfail stays xfail; the other platform's test is deselected with a note, never reported as skipped.
    assert counts(output) == {"passed": 1, "failed": 1, "xfailed": 1, "deselected": 1, "error": 3}, output
    for reason in ("no frobnicator here", "not on this machine", "the thing is missing", "no_such_module_anywhere"):
        assert re.search(rf"forbids skips: .*{reason}", output), reason
    assert "deselected 1 test(s) of other platforms: test_elsewhere" in output


def test_skips_stay_skips_otherwise(tmp_path: Path) -> None:
    code, output = run_child(tmp_path, require_all=False)
    assert code == 0, output
    assert counts(output) == {"passed": 1, "skipped": 4, "xfailed": 1, "deselected": 1}, output
    assert "forbids skips" not in output


def _importorskipped_project_modules(source: str) -> list[str]:
    """Arguments of ``importorskip`` calls that name the project's own modules (or are not a plain string)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "importorskip" and node.args:
                arg = node.args[0]
                text = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else ast.unparse(arg)
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)) or re.match(
                    r"automation(\.|$)", text
                ):
                    found.append(text)
    return found


def test_no_test_skips_when_a_project_module_fails_to_import() -> None:
    """An import error in the project must fail the tests, not skip them."""
    offenders = {}
    for path in sorted(TESTS.rglob("*.py")):
        hits = _importorskipped_project_modules(path.read_text(encoding="utf-8"))
        if hits:
            offenders[path.name] = hits
    assert offenders == {}


@pytest.mark.parametrize(("source", "hits"), [
    ('pipeline = pytest.importorskip("automation.pipeline")', ["automation.pipeline"]),
    ('from pytest import importorskip\nimportorskip("automation")', ["automation"]),
    ("pytest.importorskip(name)", ["name"]),
    ('pytest.importorskip("hypothesis")', []),
    ('pytest.importorskip("automation_extras")', []),
])  # fmt: skip
def test_the_importorskip_check_sees_every_form(source: str, hits: list[str]) -> None:
    assert _importorskipped_project_modules(source) == hits


def test_ci_installs_what_the_libreoffice_tests_need_and_forbids_skips() -> None:
    ci = (TESTS.parent / ".ci" / "run").read_text(encoding="utf-8")
    needed = re.search(r"^needed=\(([^)]*)\)", ci, re.M)
    assert needed is not None
    # python3-uno: the UNO edit-save-close test; fonts-noto-cjk: Chinese text in what LibreOffice renders.
    assert set(needed.group(1).split()) >= {"libreoffice-calc-nogui", "python3-uno", "fonts-noto-cjk"}
    assert re.search(r"^export AUTOMATION_REQUIRE_LIBREOFFICE=1$", ci, re.M)
    assert re.search(rf"^export {REQUIRE_ALL_ENV}=1$", ci, re.M)
