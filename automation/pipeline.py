"""One workbook through the pipeline: read → recognise → validate → (jobs → write back), and whole roots.

The command line, the watcher and the summary all call :func:`validate_paths` / :func:`validate_root`; the
reports they get back are plain data (:class:`WorkbookReport`) that the caller prints, stores or consolidates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .deployment import Deployment, LoadedWorkbook
from .problems import Problem, Severity
from .root import find_root, is_ignored
from .settings import Settings, load_settings
from .validators import validate
from .validators.context import Context


@dataclass
class WorkbookReport:
    path: Path
    name: str  # relative to the root
    register: str | None
    branch: str | None
    problems: list[Problem] = field(default_factory=list)
    error_zh: str | None = None
    error_en: str | None = None
    rows: int = 0  # data rows checked
    result_sheets: list[str] = field(default_factory=list)
    written: bool = False
    reason: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == Severity.WARNING)

    def error(self, lang: str = "zh") -> str | None:
        return self.error_en if lang == "en" else self.error_zh

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "path": str(self.path),
            "register": self.register,
            "branch": self.branch,
            "problems": [p.to_json(lang) for p in self.problems],
            "results": {"sheets": list(self.result_sheets), "written": self.written, "reason": self.reason},
            "error": self.error(lang),
        }


def check_workbook(deployment: Deployment, loaded: LoadedWorkbook) -> WorkbookReport:
    """Validate one loaded workbook against its register's rules."""
    source = loaded.source
    report = WorkbookReport(
        path=source.path,
        name=source.name,
        register=loaded.register.key if loaded.register else None,
        branch=source.branch or None,
    )
    if loaded.error is not None:
        report.error_zh, report.error_en = loaded.error.zh, loaded.error.en
        return report
    assert loaded.register is not None
    ctx = Context(
        register=loaded.register,
        workbook=source.name,
        branch=source.branch,
        tables=loaded.tables,
        settings=deployment.settings,
        as_of=deployment.as_of,
        lookups=deployment.lookups(source.path.parent),
    )
    report.problems = validate(ctx)
    report.rows = sum(len(t) for t in loaded.tables.values())
    return report


def validate_root(
    root: Path,
    *,
    as_of: dt.datetime,
    settings: Settings | None = None,
    progress: Callable[[Path], None] | None = None,
) -> list[WorkbookReport]:
    """Every register workbook under a deployment root."""
    settings = settings or load_settings(root)
    deployment = Deployment(root, settings, as_of)
    reports = []
    for source in deployment.sources():
        if progress:
            progress(source.path)
        reports.append(check_workbook(deployment, deployment.load(source.path)))
    return reports


def validate_paths(
    paths: Sequence[Path],
    *,
    as_of: dt.datetime,
    progress: Callable[[Path], None] | None = None,
) -> list[WorkbookReport]:
    """Files and folders as given on the command line; each file is checked within its own root for lookups.

    Raises SettingsError when a root's settings file is bad.
    """
    deployments: dict[Path, Deployment] = {}
    reports = []
    for path in _expand(paths):
        root = find_root(path)
        if root not in deployments:
            deployments[root] = Deployment(root, load_settings(root), as_of)
        deployment = deployments[root]
        if progress:
            progress(path)
        reports.append(check_workbook(deployment, deployment.load(path)))
    return reports


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            root = find_root(path)
            settings = load_settings(root)
            out.extend(p for p in sorted(path.rglob("*")) if p.is_file() and not is_ignored(p, settings, root))
        else:
            out.append(path)
    return out
