"""Refreshing the results that change with time alone: ``automation refresh`` and the watcher's scheduled refresh.

派工时限 (超时 of open calls), 次日优先派工 (剩余(工时)), 逾期维修 and 在修商品 (overdue days), 续约提醒 (remaining
days) and 客户维护提醒 depend on the as-of instant, and so does the head-office summary; a supervisor who opens
次日优先派工 at 08:00 must not read it as it stood at last night's save. A refresh processes the registers these
sheets come from (:data:`TIME_DEPENDENT`: every 叫修登记簿, 客户商品进出登记簿, 保养合同 and 客户档案, and 基础资料 for
its 工作日历 of the next 60 days) with the refresh instant as as-of, through the ordinary pipeline
(:func:`automation.pipeline.process_workbook`): a workbook that is open waits for its lock to go, a save made while
we compute is never overwritten, and a workbook whose results did not change except for 计算时间 is not written at
all (:func:`automation.writeback.write_results`). Then the summary.

When: :mod:`automation.schedule` (working periods' starts and ends, every ``watch.refresh_minutes`` in between,
working days only). The watcher runs :class:`RefreshTask` as a timed task (:mod:`automation.watch_tasks`);
``automation refresh`` is :func:`refresh_root`, once, now.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .calendar import WorkCalendar
from .deployment import Deployment, calendar_rows
from .jobs import make_calendar
from .pipeline import WorkbookReport, process_workbook
from .root import discover, is_ignored, register_by_name
from .schedule import next_refresh
from .settings import Settings, load_settings
from .state import State
from .writeback import clean_leftovers

if TYPE_CHECKING:  # the summary package is imported when first needed (a watcher starts quickly)
    from .summary import SummaryOutcome

__all__ = ["TIME_DEPENDENT", "RefreshTask", "refresh_root", "time_dependent_paths"]

# Registers whose result sheets depend on the as-of instant: callins (派工时限, 次日优先派工, 满意度), items (逾期维修,
# 在修商品), contracts (续约提醒, 保修到期), customers (客户维护提醒), worklog (日报缺失 runs to yesterday), and master,
# whose 工作日历 lists the 60 days from the as-of day.
TIME_DEPENDENT = frozenset({"callins", "items", "contracts", "customers", "worklog", "master"})


def time_dependent_paths(root: Path, settings: Settings) -> list[Path]:
    """The workbooks of ``root`` a refresh processes: those the state knows as a time-dependent register, and
    those never processed whose name does not say they are another register (processing recognises them)."""
    known: dict[str, str | None] = {}
    state = State(root)
    with contextlib.suppress(Exception):  # without the state database every candidate is processed
        known = {r.path: r.register for r in state.all()}
    paths = []
    for source in discover(root, settings):
        path = Path(os.path.abspath(source.path))
        key = state.key(path)
        if key in known:
            register = known[key]
        else:
            by_name = register_by_name(path)
            register = by_name.key if by_name else None
            if register is None:
                paths.append(path)
                continue
        if register in TIME_DEPENDENT:
            paths.append(path)
    return paths


def refresh_root(
    root: Path,
    *,
    as_of: dt.datetime,
    settings: Settings | None = None,
    progress: Callable[[Path], None] | None = None,
) -> tuple[list[WorkbookReport], SummaryOutcome | None]:
    """``automation refresh``: process the time-dependent registers of ``root`` as of ``as_of`` and write back
    what changed, then rebuild the summary. The summary is None when there was nothing to refresh."""
    from .summary import build_summary

    root = Path(root)
    settings = settings or load_settings(root)
    clean_leftovers(root)  # temporary files of a write that was killed, as `run` does
    deployment = Deployment(root, settings, as_of)
    reports = []
    for path in time_dependent_paths(root, settings):
        if progress:
            progress(path)
        reports.append(process_workbook(deployment, path, write=True))
    if not reports:
        return reports, None
    return reports, build_summary(root, as_of=as_of, settings=settings, reports=reports)


class RefreshTask:
    """The watcher's scheduled refresh, a timed task (:mod:`automation.watch_tasks`).

    ``run`` hands the time-dependent workbooks to ``enqueue``, which puts them in the watcher's queue as forced
    jobs: they are processed like a save (as-of = the watcher's clock when they are processed, the summary
    rebuilt after them), and a locked one waits for its lock like any write-back.
    """

    name = "refresh"

    def __init__(self, root: Path, settings: Callable[[], Settings], enqueue: Callable[[list[Path]], None],
                 say: Callable[..., None] | None = None) -> None:
        self.root = root
        self.settings = settings
        self.enqueue = enqueue
        self.say = say
        self._calendar: tuple[object, WorkCalendar] | None = None  # (what it was built from, the calendar)

    def next_due(self, after: dt.datetime) -> dt.datetime | None:
        settings = self.settings()
        return next_refresh(after, self.calendar(settings), settings)

    def run(self, now: dt.datetime) -> None:
        settings = self.settings()
        paths = time_dependent_paths(self.root, settings)
        if self.say is not None:
            self.say("refresh", time=now, count=len(paths))
        self.enqueue(paths)

    def calendar(self, settings: Settings) -> WorkCalendar:
        """The deployment's working calendar, with 基础资料's 节假日调整; read again only when the settings or a
        head-office workbook changed (next_due is asked every couple of seconds)."""
        folder = self.root / settings.head_office
        masters = _master_candidates(folder, settings, self.root)
        key = (settings, tuple(_identity(p) for p in masters))
        if self._calendar is None or self._calendar[0] != key:
            deployment = Deployment(self.root, settings, dt.datetime.now())
            tables = []
            for path in masters:
                loaded = deployment.load(path)
                if loaded.ok and loaded.register.key == "master":
                    tables.append(loaded.tables["节假日调整"])
            overrides, complete_years = calendar_rows(tables)
            self._calendar = (key, make_calendar(settings, overrides, complete_years))
        return self._calendar[1]


def _master_candidates(folder: Path, settings: Settings, root: Path) -> list[Path]:
    """The head-office workbooks that may be 基础资料: by name when one is so named, else every one (a renamed
    基础资料 is recognised by its property or headers once read)."""
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not is_ignored(p, settings, root))
    except OSError:
        return []
    named = [p for p in files if getattr(register_by_name(p), "key", None) == "master"]
    return named or files


def _identity(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (path.name, -1, -1)
    return (path.name, st.st_size, st.st_mtime_ns)
