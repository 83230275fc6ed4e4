"""One workbook through the pipeline: read → recognise → validate → (jobs → write back), and whole roots.

The command line, the watcher and the summary all call :func:`validate_paths` / :func:`validate_root`; the
reports they get back are plain data (:class:`WorkbookReport`) that the caller prints, stores or consolidates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .deployment import Deployment, LoadedWorkbook
from .jobs import JobInput, ResultTable, make_calendar, run_jobs, to_result_sheet
from .notices import NoticeOutcome, write_notices
from .problems import Problem, Severity, cap_problems, count, counts_by_code
from .root import find_root, is_ignored
from .settings import Settings, load_settings
from .staff_lists import STAFF_LIST_SHEET, staff_list_sheet
from .state import Record, State, StateError
from .validators import optional_sheet_notes, validate
from .validators.context import Context
from .writeback import CHECK_SHEET, WriteResult, check_sheet, write_results
from .xlsx.locks import Lock
from .xlsx.sheet_xml import ResultSheet


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
    reason_en: str | None = None
    results: list[ResultTable] = field(default_factory=list)  # job results, for the summary
    sha256: str | None = None  # content that was checked
    written_sha256: str | None = None  # content we wrote (the watcher ignores its own save)
    write_code: str | None = None  # what became of the write-back: WriteResult.code, or "no_write"
    lock: Lock | None = None  # the lock file that keeps the results from being written
    state_error: StateError | None = None  # the state database could not record this processing
    notices: NoticeOutcome | None = None  # 保养合同: the expiry notices written after the write-back
    notes: list[tuple[str, str]] = field(default_factory=list)  # (zh, en): e.g. an optional sheet not kept

    @property
    def errors(self) -> int:
        """Error findings, each summary counting for all it stands for."""
        return count(self.problems, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count(self.problems, Severity.WARNING)

    def error(self, lang: str = "zh") -> str | None:
        return self.error_en if lang == "en" else self.error_zh

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "path": str(self.path),
            "register": self.register,
            "branch": self.branch,
            "problems": [p.to_json(lang) for p in self.problems],
            "counts": counts_by_code(self.problems),
            "results": {
                "sheets": list(self.result_sheets),
                "written": self.written,
                "reason": self.reason_en if lang == "en" else self.reason,
            },
            "error": self.error(lang),
            **({"notices": self.notices.to_json(lang)} if self.notices is not None else {}),
            # Beyond §9's keys, only when there are some: an optional sheet the workbook does not keep.
            **({"notes": [en if lang == "en" else zh for zh, en in self.notes]} if self.notes else {}),
        }


# 校验结果 never lists more rows than this, whatever the number of kinds of problem (§12: bounded output).
MAX_LISTED_PROBLEMS = 10_000


def capped(problems: list[Problem], per_kind: int) -> list[Problem]:
    """Problems with at most ``per_kind`` listed per kind, fewer when so many kinds would still list more than
    MAX_LISTED_PROBLEMS (each kind keeps at least 10)."""
    problems = cap_problems(problems, per_kind)
    while len(problems) > MAX_LISTED_PROBLEMS and per_kind > 10:
        per_kind = max(10, per_kind // 2)
        problems = cap_problems(problems, per_kind)
    return problems


def check_workbook(deployment: Deployment, loaded: LoadedWorkbook) -> WorkbookReport:
    """Validate one loaded workbook against its register's rules."""
    source = loaded.source
    report = WorkbookReport(
        path=source.path,
        name=source.name,
        register=loaded.register.key if loaded.register else None,
        branch=source.branch or None,
    )
    report.sha256 = loaded.sha256
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
        lookups=deployment.lookups(source.path.parent, sibling_of=loaded),
    )
    report.problems = validate(ctx)
    report.notes = optional_sheet_notes(loaded.tables)
    report.rows = sum(len(t) for t in loaded.tables.values())
    calendar = make_calendar(ctx.settings, ctx.lookups.calendar_overrides, ctx.lookups.calendar_complete_years)
    report.results = run_jobs(JobInput.of(ctx, calendar))
    for result in report.results:
        report.problems.extend(result.problems)
    report.problems = capped(report.problems, ctx.settings.problems_per_kind)
    report.result_sheets = [CHECK_SHEET, *(r.name for r in report.results)]
    return report


def result_sheets(
    report: WorkbookReport,
    loaded: LoadedWorkbook,
    as_of: dt.datetime,
    staff_rows: Callable[[], Iterable[tuple[object, object, object]]] | None = None,
) -> list[ResultSheet]:
    """校验结果 first, then the job sheets, as they will be written into the workbook; last the 员工名单 the staff
    drop-downs list, from ``staff_rows`` (基础资料/员工's 姓名, 岗位, 在职状态), when the workbook holds that sheet
    (it came from a template: a workbook without the drop-downs gets no list they would not use)."""
    # A problem about a whole result sheet (CLD001 on 工作日历) links to it already on the run that first writes it,
    # so a second run with the same content writes the same bytes.
    names = [*loaded.sheet_names, *(r.name for r in report.results)]
    sheets = [check_sheet(report.problems, rows_checked=report.rows, as_of=as_of, sheet_names=names,
                          notes=[zh for zh, _ in report.notes])]
    source = {model: table.sheet for model, table in loaded.tables.items()}
    first = next(iter(source.values()), "")
    for result in report.results:
        sheets.append(to_result_sheet(result, as_of=as_of, source_sheet=first))
    # Always rewritten when present: the write-back replaces every result sheet, and a 员工名单 left out would be
    # removed, turning the drop-downs' names into #REF!.
    if staff_rows is not None and STAFF_LIST_SHEET in loaded.sheet_names:
        sheets.append(staff_list_sheet(staff_rows(), as_of))
    return sheets


def staff_rows(deployment: Deployment) -> list[tuple[object, object, object]]:
    """(姓名, 岗位, 在职状态) of every row of the root's 基础资料/员工, in sheet order (none without 基础资料)."""
    return [
        row
        for table in deployment.register_tables(deployment.head_office, "master", "员工")
        for row in zip(table.data["姓名"].tolist(), table.data["岗位"].tolist(), table.data["在职状态"].tolist(),
                       strict=True)
    ]


def process_workbook(deployment: Deployment, path: Path, *, write: bool) -> WorkbookReport:
    """Read, validate and run the jobs of one workbook, then (``write``) put the results into it.

    If the workbook is saved again while we compute, the write-back starts over from the new content, so the
    sheets written always belong to the content they are written into.
    """
    loaded = deployment.load(path)
    report = check_workbook(deployment, loaded)
    if not write or report.error_zh is not None:
        report.reason = None if write else "--no-write"
        report.reason_en = report.reason
        report.write_code = None if write else "no_write"
        if write:
            _remember(report, deployment.root)
        return report
    state = {"report": report, "loaded": loaded}

    def compute(data: bytes | None) -> list[ResultSheet]:
        if data is not None and hashlib.sha256(data).hexdigest() != state["loaded"].sha256:
            deployment.forget(path)
            state["loaded"] = deployment.load(path)
            state["report"] = check_workbook(deployment, state["loaded"])
        return result_sheets(state["report"], state["loaded"], deployment.as_of, lambda: staff_rows(deployment))

    settings = deployment.settings
    outcome: WriteResult = write_results(path, deployment.root, compute, history_keep=settings.history_keep,
                                         stale_lock_hours=settings.stale_lock_hours,
                                         keep_if_timeless=_seen_before(deployment.root, path, loaded.sha256))
    report = state["report"]
    report.written = outcome.written
    report.reason, report.reason_en = outcome.reason, outcome.reason_en
    report.written_sha256 = outcome.sha256
    report.write_code, report.lock = outcome.code, outcome.lock
    if outcome.code in ("written", "noop"):
        # The letters follow the results they belong to: written once 续约提醒 (which links to them) is in the
        # workbook or already was; a workbook that is open or read-only gets both later, together.
        report.notices = write_notices(deployment, state["loaded"], report)
    # The cached tables stay valid after a write-back: only result sheets were added, staff sheets are unchanged.
    _remember(report, deployment.root)
    return report


def _seen_before(root: Path, path: Path, sha: str | None) -> bool:
    """Whether the state has seen this content (checked it, or wrote it): then only time can have changed its
    results (a scheduled refresh, a lock that went away), and the write-back compares them with the file's."""
    if sha is None:
        return False
    try:
        record = State(root).get(path)
    except Exception:  # noqa: BLE001 - an unreadable state database only costs a rewrite
        return False
    return record is not None and sha in (record.sha256, record.written_sha256)


def _remember(report: WorkbookReport, root: Path) -> None:
    """Record the processing in the state database; a database that cannot be written (disk full) is noted on
    the report rather than raised, since the workbook itself may already hold its results."""
    try:
        State(root).save(record_of(report, root))
    except StateError as exc:
        report.state_error = exc


def record_of(report: WorkbookReport, root: Path, processed: dt.datetime | None = None) -> Record:
    """The state record of a processed workbook."""
    path = report.path
    try:
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        modified = None
    return Record(
        path=State(root).key(path),
        register=report.register,
        branch=report.branch,
        sha256=report.sha256,
        written_sha256=report.written_sha256,
        modified=modified,
        processed=(processed or dt.datetime.now()).isoformat(timespec="seconds"),
        errors=report.errors,
        warnings=report.warnings,
        written=report.written,
        reason=report.reason,
        error=report.error_zh,
        code=report.write_code,
    )


def validate_root(
    root: Path,
    *,
    as_of: dt.datetime,
    settings: Settings | None = None,
    write: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> list[WorkbookReport]:
    """Every register workbook under a deployment root (master data first: the others look it up)."""
    settings = settings or load_settings(root)
    deployment = Deployment(root, settings, as_of)
    reports = []
    for source in deployment.sources():
        if progress:
            progress(source.path)
        reports.append(process_workbook(deployment, source.path, write=write))
    return reports


def validate_paths(
    paths: Sequence[Path],
    *,
    as_of: dt.datetime,
    write: bool = False,
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
        reports.append(process_workbook(deployment, path, write=write))
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
