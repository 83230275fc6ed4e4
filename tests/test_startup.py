"""The command line starts quickly (issue 16): the commands that read no workbook load none of the heavy libraries.

pandas, pandera, numpy, openpyxl and lxml are what reading and validating workbooks needs; typer's help renderer
(rich markdown, pygments) is what showing help needs. Each case runs in a fresh interpreter and lists what it
loaded, so a module-level import added anywhere on the way fails here with the name of what came in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_workbook

HEAVY = ("pandas", "pandera", "numpy", "openpyxl", "lxml", "python_calamine", "chinese_calendar", "watchdog")
HELP_RENDERER = ("rich.markdown", "typer.rich_utils")


def loaded_by(code: str) -> set[str]:
    """The modules of HEAVY and HELP_RENDERER that ``code`` loads in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY + HELP_RENDERER!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    assert loaded_by("import automation.cli") == set()


@pytest.mark.parametrize("args", [["--version"], ["calendar", "deadline", "--help"]], ids=["version", "help"])
def test_version_and_help_load_no_workbook_library(args: list[str]) -> None:
    loaded = loaded_by(f"from automation.cli import main\nmain({args!r})")
    assert loaded & set(HEAVY) == set()
    assert ("rich.markdown" in loaded) == ("--help" in args)  # the renderer only to show help


def test_validate_still_loads_what_it_needs(tmp_path: Path) -> None:
    """The other side: a command that reads a workbook has its libraries (imported where it runs); a path that
    does not exist is refused before any of them is loaded."""
    book = write_workbook(tmp_path / "服务中心" / "保养合同.xlsx", {"保养合同": [["合同编号", "客户代码"]]})
    run = "from automation.cli import main\nmain(['validate', '--no-write', {!r}])"
    loaded = loaded_by(run.format(str(book)))
    assert {"pandas", "pandera"} <= loaded
    assert loaded & {"openpyxl", "rich.markdown"} == set()  # templates are built elsewhere; no help is shown
    assert loaded_by(run.format(str(tmp_path / "none.xlsx"))) & set(HEAVY) == set()
