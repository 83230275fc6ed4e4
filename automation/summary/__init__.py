"""The head-office summary 总部/汇总.xlsx (§8): build it, incrementally, and write it without disturbing a reader.

Public API:

* :func:`build_summary` — consolidate a root: facts of every workbook (fresh ``reports`` when given, else the
  cache under ``.automation/summary-cache/``, reading again only workbooks whose content or lookups changed), then
  the summary workbook. Used by ``automation consolidate`` and by the watcher after changes settle.
* :func:`run_root` — everything ``automation run`` does: process every register (validation, jobs, write-back),
  then the summary from those very results (nothing is read twice).
* :class:`SummaryOutcome` — where the summary is, whether it was replaced, the timestamped copy written instead
  and why (Chinese and English).
* :func:`is_summary_copy`, :func:`pending_copy` — the timestamped copies ``汇总.<yyyymmdd-HHMMSS>.xlsx`` are not
  registers; a pending copy means the summary is waiting to be replaced once its reader closes it.

Writing: the summary is a file the product owns entirely, generated anew each time. It is written to a temporary
file in the same folder and moved into place with ``os.replace``, unless a lock file shows someone has it open:
then the new summary goes to ``汇总.<yyyymmdd-HHMMSS>.xlsx`` beside it (older copies are removed, only the newest is
kept) and the outcome says so; the next build after the reader closes it (the watcher's, or the next run) replaces
the summary and removes the copy. A location that cannot be written is reported in the outcome, never raised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..deployment import Deployment, other_sites_folders
from ..pipeline import WorkbookReport, process_workbook
from ..problems import os_reason_zh
from ..remote_lookups import remote_tables
from ..root import Source, discover, unit_folders
from ..settings import Settings, load_settings
from ..state import Record, State
from ..store import StoreError, describe, is_branch_site, is_head_office_site, open_store
from ..writeback import clean_leftovers, work_dir
from ..xlsx.locks import lock_files, lock_holder
from ..xlsx.safe_write import write_file_atomically
from .build import SummaryInput, summary_book, workbook_status
from .charts import build_package
from .collect import WorkbookFacts, collect_facts, facts_of, facts_of_reports
from .outbox import outbox_lines
from .sites import Sent, from_store, publish, waiting_line

COPY_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class SummaryOutcome:
    path: Path  # where the summary belongs (root / settings.summary)
    written: bool  # the summary itself was replaced
    copy: Path | None  # the timestamped copy written instead (summary open)
    reason: str | None  # why not written (Chinese); None when written
    reason_en: str | None
    published: Sent | None = None  # what became of this root's publication to the store ([store] publish)
    branch_site: bool = False  # a branch site writes no summary of its own: the head office builds it from the store

    @property
    def done(self) -> bool:
        """The summary (or, open elsewhere, its copy) was written, or this root is a branch site that needs none."""
        return self.written or self.copy is not None or self.branch_site

    def message(self, lang: str = "zh") -> str | None:
        return self.reason_en if lang == "en" else self.reason


# ------------------------------------------------------------------------------------------------ the root


def branch_folders(root: Path, settings: Settings) -> list[str]:
    """Every branch folder of the root, sorted: every folder but hidden ones, the head office and a folder of its
    own that only holds the summary (``layout.summary`` outside the head office)."""
    if not root.is_dir():
        return []
    summary = root / settings.summary
    own = summary.parent.name if summary.parent.parent == root else None
    names = [p.name for p in unit_folders(root)]
    return sorted(n for n in names if n not in (settings.head_office, own))


def _copy_pattern(summary: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(summary.stem)}\.\d{{8}}-\d{{6}}{re.escape(summary.suffix)}")


def is_summary_copy(path: Path, root: Path, settings: Settings) -> bool:
    """True for a timestamped copy of the summary (written while the summary was open)."""
    summary = root / settings.summary
    if not _copy_pattern(summary).fullmatch(path.name):
        return False
    try:
        return path.parent.resolve() == summary.parent.resolve()
    except OSError:
        return False


def pending_copy(root: Path, settings: Settings | None = None) -> Path | None:
    """The newest timestamped copy beside the summary, if any: the summary still has to be replaced."""
    settings = settings or load_settings(root)
    summary = root / settings.summary
    return max(_copies(summary), default=None)


def _copies(summary: Path) -> list[Path]:
    pattern = _copy_pattern(summary)
    try:
        return sorted(p for p in summary.parent.iterdir() if pattern.fullmatch(p.name))
    except OSError:
        return []


def summary_sources(root: Path, settings: Settings) -> list[Source]:
    """The workbooks the summary consolidates: every register candidate, not the summary or its copies."""
    return [s for s in discover(root, settings) if not is_summary_copy(s.path, root, settings)]


# --------------------------------------------------------------------------------------------------- build


def _records(root: Path) -> list[Record]:
    try:
        return State(root).all()
    except Exception:  # noqa: BLE001 - an unreadable state database only costs the write-back column
        return []


def _summarise(
    root: Path, settings: Settings, as_of: dt.datetime, sources: list[Source], fresh: Mapping[Path, WorkbookFacts]
) -> SummaryOutcome:
    inp, sent = _published(root, settings, _local_input(root, settings, as_of, sources, fresh))
    if is_head_office_site(settings):
        return _from_store(root, settings, as_of, sent)  # its own folders are only a part of the company
    if is_branch_site(settings):  # a branch site: its part of the summary is what it published
        return SummaryOutcome(root / settings.summary, False, None, None, None, published=sent, branch_site=True)
    return dataclasses.replace(_write_book(inp), published=sent)


def _published(root: Path, settings: Settings, inp: SummaryInput) -> tuple[SummaryInput, Sent | None]:
    """With ``[store] publish``: the root's snapshot published (or queued), and the input with its 数据状态
    computed once (published and shown) and, when the publication waits, a line saying so."""
    if not settings.store_publish:
        return inp, None
    inp = dataclasses.replace(inp, status=workbook_status(inp))
    sent = publish(root, settings, inp, inp.status)  # type: ignore[arg-type]
    if sent is not None and sent.problem is not None:
        inp = dataclasses.replace(inp, extra_status=[*inp.extra_status, waiting_line(sent)])
    return inp, sent


def _local_input(
    root: Path, settings: Settings, as_of: dt.datetime, sources: list[Source], fresh: Mapping[Path, WorkbookFacts]
) -> SummaryInput:
    """The summary's input from the root's own workbooks (through the cache)."""
    branches = branch_folders(root, settings)
    records = _records(root)
    units = [*branches, settings.head_office]
    # A site's master data is checked against every site's folders (Deployment.units): they key its facts too.
    units += sorted(other_sites_folders(root, settings) - set(units))
    remote = remote_tables(root, settings)[1] if is_branch_site(settings) else ""
    facts = collect_facts(root, settings, as_of, sources, fresh, units=units, records=records, remote=remote)
    return SummaryInput(
        root=root,
        summary_path=root / settings.summary,
        head_office=settings.head_office,
        branches=branches,
        as_of=as_of,
        facts=facts,
        records={r.path: r for r in records},
        stale_lock_hours=settings.stale_lock_hours,
        on_time_target=settings.on_time_target,
        extra_status=outbox_lines(root, settings, as_of, units),
    )


def _write_book(inp: SummaryInput) -> SummaryOutcome:
    book = summary_book(inp)
    data = build_package(book.sheets, extra_rows=book.extra_rows, charts=book.charts, dashboard=book.dashboard)
    return write_summary(inp.summary_path, data, root=inp.root)


def build_from_store(
    root: Path, *, as_of: dt.datetime | None = None, settings: Settings | None = None
) -> SummaryOutcome:
    """Build 汇总.xlsx at ``root`` from the latest publication of every site in the store (``consolidate
    --from-store``); a root that publishes too publishes its own first. A store that cannot be read is the
    outcome's reason, never raised. Raises SettingsError for a bad settings file."""
    root = Path(root)
    settings = settings or load_settings(root)
    moment = as_of or dt.datetime.now().replace(second=0, microsecond=0)
    sent = None
    if settings.store_publish and root.is_dir():
        _, sent = _published(root, settings, _local_input(root, settings, moment, summary_sources(root, settings), {}))
    return _from_store(root, settings, moment, sent)


def _from_store(root: Path, settings: Settings, as_of: dt.datetime, sent: Sent | None) -> SummaryOutcome:
    path = root / settings.summary
    try:
        store = open_store(root, settings)
        try:
            stored = store.latest()
        finally:
            store.close()
    except StoreError as exc:
        where = describe(settings.store_url, root)
        return SummaryOutcome(path, False, None, f"无法读取中央存储 {where}：{exc.zh}",
                              f"cannot read the store {where}: {exc.en}", published=sent)  # fmt: skip
    got = from_store(root, settings, as_of, stored)
    if sent is not None and sent.problem is not None:
        got.extra.append(waiting_line(sent))
    inp = SummaryInput(
        root=root,
        summary_path=path,
        head_office=settings.head_office,
        branches=got.branches,
        as_of=as_of,
        facts=got.facts,
        records={},
        stale_lock_hours=settings.stale_lock_hours,
        on_time_target=settings.on_time_target,
        extra_status=got.extra,
        status=got.status,
    )
    return dataclasses.replace(_write_book(inp), published=sent)


def build_summary(
    root: Path,
    *,
    as_of: dt.datetime | None = None,
    settings: Settings | None = None,
    reports: Sequence[WorkbookReport] | None = None,
    facts: Mapping[Path, WorkbookFacts] | None = None,
) -> SummaryOutcome:
    """Build 汇总.xlsx for ``root`` (see the module docstring). ``reports``: fresh reports of some or all
    workbooks (their facts are taken from them and cached); ``facts``: facts the caller computed when it processed
    those workbooks (the watcher), used when they are of the as-of day; every other workbook comes from the cache
    or is read. ``as_of`` defaults to now. Raises SettingsError for a bad settings file."""
    root = Path(root)
    settings = settings or load_settings(root)
    if not root.is_dir():
        path = root / settings.summary
        return SummaryOutcome(path, False, None, f"根目录不存在：{root}", f"root folder does not exist: {root}")
    moment = as_of or dt.datetime.now().replace(second=0, microsecond=0)
    fresh = facts_of_reports(reports or (), root=root, settings=settings, as_of=moment)
    # Facts of another day would count overdue calls and month figures as of that day: those are read again.
    fresh.update({path: f for path, f in (facts or {}).items() if f.as_of.date() == moment.date()})
    return _summarise(root, settings, moment, summary_sources(root, settings), fresh)


def run_root(
    root: Path,
    *,
    as_of: dt.datetime,
    write: bool = True,
    progress: Callable[[Path], None] | None = None,
    settings: Settings | None = None,
) -> tuple[list[WorkbookReport], SummaryOutcome | None]:
    """Process every register under ``root`` (validation, jobs and, with ``write``, the write-back), then build
    the summary from those results. The summary is None when the root holds no workbook at all."""
    root = Path(root)
    settings = settings or load_settings(root)
    if write:
        clean_leftovers(root)  # temporary files of a run that was killed mid-write
    deployment = Deployment(root, settings, as_of)
    sources = summary_sources(root, settings)
    reports: list[WorkbookReport] = []
    fresh: dict[Path, WorkbookFacts] = {}
    now = dt.datetime.now().replace(microsecond=0)
    for source in sources:
        if progress:
            progress(source.path)
        loaded = deployment.load(source.path)
        report = process_workbook(deployment, source.path, write=write)
        if report.error_zh is None and report.sha256 != loaded.sha256:
            loaded = deployment.load(source.path)  # saved again while processing: the tables of what was checked
        reports.append(report)
        fresh[source.path] = facts_of(report, loaded, deployment, processed=now)
    if not reports:
        return reports, None
    return reports, _summarise(root, settings, as_of, sources, fresh)


# --------------------------------------------------------------------------------------------------- write


def _detail(exc: OSError) -> tuple[str, str]:
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "文件夹只读或没有写入权限", "the folder is read-only or not writable"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "磁盘空间不足", "the disk is full"
    if isinstance(exc, FileExistsError | NotADirectoryError) or exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "路径中有同名文件，无法作为文件夹", "a file is in the way of the folder"
    return os_reason_zh(exc), exc.strerror or type(exc).__name__


def _unwritable(path: Path, exc: OSError) -> SummaryOutcome:
    zh, en = _detail(exc)
    return SummaryOutcome(
        path, False, None, f"无法写入汇总 {path}：{zh}，汇总未更新", f"cannot write the summary {path}: {en}; not updated"
    )


def _write_file(target: Path, data: bytes, root: Path, *, unless_locked: Path | None = None) -> bool:
    """Write ``data`` to ``target`` atomically (temporary file under .automation/tmp, fsync, replace). With
    ``unless_locked``, give up (False) if that file got a lock file meanwhile."""
    ready = None if unless_locked is None else (lambda: not lock_files(unless_locked))
    return write_file_atomically(target, data, work_dir(root), ready)


def _remove_copies(summary: Path, keep: Path | None) -> None:
    for old in _copies(summary):
        if old != keep and not lock_files(old):  # a copy someone is reading stays until it is closed
            with contextlib.suppress(OSError):
                old.unlink()


def write_summary(path: Path, data: bytes, *, root: Path, now: dt.datetime | None = None) -> SummaryOutcome:
    """Put the summary at ``path`` (of the deployment at ``root``); if it is open, write the timestamped copy
    beside it instead."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if lock_holder(path) is None:
            try:
                if _write_file(path, data, root, unless_locked=path):
                    _remove_copies(path, keep=None)
                    return SummaryOutcome(path, True, None, None, None)
            except PermissionError:
                if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
                    raise
                # Windows refuses to replace a file that is open even without a lock file: treat it as open.
    except OSError as exc:
        return _unwritable(path, exc)
    holder = lock_holder(path) or "其他程序"
    copy = path.with_name(f"{path.stem}.{(now or dt.datetime.now()):{COPY_STAMP}}{path.suffix}")
    try:
        _write_file(copy, data, root)
    except OSError as exc:
        return _unwritable(copy, exc)
    _remove_copies(path, keep=copy)
    return SummaryOutcome(
        path,
        False,
        copy,
        f"{path.name} 正被 {holder} 打开：最新汇总已另存为 {copy.name}，关闭后将自动替换",
        f"{path.name} is open by {holder if holder != '其他程序' else 'another program'}: the new summary was saved "
        f"as {copy.name} and replaces it once it is closed",
    )


__all__ = [
    "SummaryOutcome",
    "branch_folders",
    "build_summary",
    "is_summary_copy",
    "pending_copy",
    "run_root",
    "summary_sources",
    "write_summary",
]
