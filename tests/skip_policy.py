"""No hidden skips in CI: with ``AUTOMATION_REQUIRE_ALL=1`` every skipped test (or skipped test module) is reported
as a failure carrying the skip's reason.

A skip in CI is a bug that nobody sees: the test that would have caught it did not run. ``tests/conftest.py``
re-exports the two hooks below; ``tests/test_skip_policy.py`` runs them on a throw-away test tree.
Platform-only tests are not skipped but deselected at collection (marker ``only_on("win32", ...)``), with one
note per run, so a Linux CI run reports 0 skipped and still says what it left out.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from typing import Any

import pytest

REQUIRE_ALL_ENV = "AUTOMATION_REQUIRE_ALL"


def require_all() -> bool:
    """Whether this run forbids skips (CI sets ``AUTOMATION_REQUIRE_ALL=1``)."""
    return os.environ.get(REQUIRE_ALL_ENV) == "1"


def _reason(longrepr: object) -> str:
    # A skip's longrepr is (file, line, "Skipped: reason"); anything else is shown as it is.
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _forbidden(reason: str) -> str:
    return f"skipped, but {REQUIRE_ALL_ENV}=1 forbids skips: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A skipped test (skip, skipif, importorskip, a fixture that skips) fails when skips are forbidden."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    # xfail is reported as "skipped" with ``wasxfail``: an expected failure is not a hidden test, leave it alone.
    if report.skipped and not hasattr(report, "wasxfail") and require_all():
        report.outcome = "failed"
        report.longrepr = _forbidden(_reason(report.longrepr))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    """A whole module skipped at import (``pytest.skip(allow_module_level=True)``, module-level importorskip)."""
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if report.skipped and require_all():
        report.outcome = "failed"
        report.longrepr = _forbidden(_reason(report.longrepr))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "only_on(*platforms): runs only where sys.platform starts with one of them; "
                                       "deselected (not skipped) elsewhere")  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect tests of other platforms: they cannot run here, and a skip would hide them in the count."""
    kept, other_platform = [], []
    for item in items:
        marker = item.get_closest_marker("only_on")
        if marker is not None and not any(sys.platform.startswith(p) for p in marker.args):
            other_platform.append(item)
        else:
            kept.append(item)
    if other_platform:
        config.hook.pytest_deselected(items=other_platform)
        items[:] = kept
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            names = ", ".join(sorted(i.name for i in other_platform))
            reporter.write_line(f"deselected {len(other_platform)} test(s) of other platforms: {names}")
