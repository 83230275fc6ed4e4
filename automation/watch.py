"""The folder watcher (§11): ``automation watch ROOT [--polling] [--interval S]``.

A watchdog observer (inotify / FSEvents / ReadDirectoryChanges, or a polling observer for network shares, which
send no change events) reports file-system events; :mod:`automation.watch_events` says which workbook each one
concerns. One worker thread then handles the workbooks:

* **Settling.** A workbook is processed once it has been quiet for ``debounce`` seconds, its size and mtime are
  the same on two looks, and (``.xlsx``/``.xlsm``) its zip central directory can be read — a file still being
  written fails that. Repeated events for one workbook merge into one job.
* **Own writes.** Before processing, the content hash is compared with the state database
  (:mod:`automation.state`): content we wrote ourselves (``written_sha256``), or content already checked, is
  skipped. So are lock files, temporary
  files, sidecars, the summary and its copies, and ``.automation/`` (see :mod:`automation.watch_events`).
* **Processing.** Each batch of settled workbooks gets a fresh :class:`~automation.deployment.Deployment` with
  ``as_of`` = now, so lookups (基础资料, 客户档案, the branch's 保养合同 …) are read as they are on disk. After a
  register that others look things up in changes, those others are processed again (their checks depend on it).
* **Deferred write-back.** A workbook open in Excel or LibreOffice (lock file present) is validated at once — the
  outcome is in the log, on the console and in the state — and written as soon as its lock file goes away (the
  deletion event, or a look every ``pending_poll`` seconds in case that event is missed).
* **Time as an event.** Timed tasks (:mod:`automation.watch_tasks`) run at instants of the watcher's clock
  (``now``, injectable), not on file events: built in, the scheduled refresh of time-dependent results
  (:mod:`automation.refresh`, :mod:`automation.schedule`); more are given as ``tasks``. The clock is also the
  as-of of every processing.
* **Summary.** ``summary_delay`` seconds after the last processed workbook, with nothing left to do, the
  head-office summary is rebuilt in its own thread (``automation.summary.build_summary`` when it exists, or the
  ``on_summary`` callable given).
* **Catch-up.** At start, and whenever the watched folder comes back after going away, every workbook whose
  content the state does not know is processed, and every write-back still pending is retried.
* **Never dies.** A corrupt file, a file that vanishes, a folder removed and recreated, an exception inside one
  job: logged (``.automation/log/automation.log`` and the console) and recorded in the state; the watcher goes on.
  If the watched folder itself goes away (a share disconnects) the watcher checks again every ``interval`` seconds.

:func:`watch` is the command: it blocks until Ctrl-C / SIGTERM (or the ``stop`` event), lets the write in flight
finish, and returns 0. :class:`Watcher` is the same machinery for tests and embedding (``start``, ``stop``,
``wait_idle``).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import logging
import logging.handlers
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from . import watch_events as ev
from .deployment import Deployment
from .notify import DigestTask
from .pipeline import WorkbookReport, process_workbook, record_of
from .problems import describe_exception
from .refresh import RefreshTask
from .root import branch_of, discover, register_by_name, unit_folders
from .settings import Settings, SettingsError, load_settings
from .state import State
from .watch_events import Action, Item, Kind
from .watch_output import LOG_FILE, MESSAGES, WatchLog, logger
from .watch_summary import SummaryScheduler
from .watch_tasks import Clock, TimedTask, Timers
from .watch_waiting import CONDITIONS, WaitList
from .writeback import clean_leftovers
from .xlsx.locks import current_lock, describe_lock
from .xlsx.safe_write import RETRYABLE

# watchdog logs an error when an inotify watch is removed while its thread is reading: a harmless race.
logging.getLogger("watchdog.observers.inotify").addFilter(lambda r: "when the thread is inactive" not in r.getMessage())

DELETED = "文件已删除或所在文件夹已不存在"  # the state's error for a workbook that went away (数据状态 shows it)
HEALTH_EVERY = 2.0  # seconds between checks that the watched folder is still there
KEEP_REPORTS = 200  # the newest reports kept for tests and embedding; a watcher runs for months


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher._on_event(event)


class Watcher:
    """Watch one deployment root; process each saved workbook (see the module doc).

    ``start()`` returns once the folder is being watched (events from then on are seen); the catch-up and all
    processing happen in a background thread. ``stop()`` finishes the workbook (and summary) in flight.
    ``wait_idle()`` waits until nothing is queued, in flight or due (write-backs waiting for a lock file, or for a
    retry, do not count). ``reports`` lists the newest processed workbooks, ``skipped`` the newest events whose
    content was already known (both bounded: a watcher runs for months). ``now`` is the clock (as-of of every
    processing, instants of the timed tasks); ``tasks`` are timed tasks run after the built-in scheduled refresh
    (``refresh=False`` leaves it out), see :mod:`automation.watch_tasks`; ``timed`` says when each is next due.
    """

    def __init__(
        self,
        root: Path,
        *,
        polling: bool = False,
        interval: float = 1.0,
        console: Console | None = None,
        on_summary: Callable[[Path], None] | None = None,
        summary_delay: float = 3.0,
        debounce: float = 0.4,
        pending_poll: float = 2.0,
        now: Clock = dt.datetime.now,
        tasks: Sequence[TimedTask] = (),
        refresh: bool = True,
    ) -> None:
        if interval <= 0 or debounce < 0 or summary_delay < 0 or pending_poll <= 0:
            raise ValueError("interval and pending_poll must be > 0; debounce and summary_delay >= 0")
        self.root = Path(os.path.abspath(root))
        self.polling = polling
        self.interval = interval
        self.debounce = debounce
        self.pending_poll = pending_poll
        self._now = now
        try:
            self.settings = load_settings(self.root)
        except (SettingsError, OSError):
            self.settings = Settings()
        self._reports: collections.deque[WorkbookReport] = collections.deque(maxlen=KEEP_REPORTS)
        self._skipped: collections.deque[Path] = collections.deque(maxlen=KEEP_REPORTS)
        self._cond = threading.Condition()
        self._items: dict[Path, Item] = {}
        self._waiting = WaitList(pending_poll)
        self._stale_reported: set[Path] = set()  # stale locks already named in the log
        self._own: dict[Path, str] = {}  # content we wrote, in case the state database could not be updated
        self._stopping = False
        self._busy = False
        self._catchup: set[Path] | None = None  # folders to catch up on (the root: all of them)
        self._settings_at: float | None = None  # automation.toml changed: read it once it is quiet
        self._next_health = 0.0
        self._connected = False
        self._was_connected = False
        self._observer: BaseObserver | None = None  # made in start(): the inotify one starts a thread at once
        self._watches: dict[Path, tuple[ObservedWatch, tuple[int, int]]] = {}  # folder -> (watch, identity)
        self._handler = _Handler(self)
        self._threads: list[threading.Thread] = []
        names = (f"automation-watch-{id(self):x}", f"automation-summary-{id(self):x}")
        self._log = WatchLog(self.root, console if console is not None else Console(), lambda: self.settings.language,
                             names)
        self._summary = SummaryScheduler(self.root, self._cond, self._log, lambda: self.settings, delay=summary_delay,
                                         poll=pending_poll, on_summary=on_summary, now=now)
        built_in = [RefreshTask(self.root, lambda: self.settings, self._refresh, self._log.say)] if refresh else []
        self._timers = Timers([*built_in, *tasks], now, self._log)

    # --- life cycle -----------------------------------------------------------------------------------------

    def start(self) -> None:
        self._log.attach()
        self._clean_leftovers()
        self._timers.start()
        self._observer = PollingObserver(timeout=self.interval) if self.polling else Observer()
        self._observer.start()
        self._sync_watches()
        self._log.say("start", root=self.root, mode=self._log.text("polling", interval=self.interval) if self.polling
                  else self._log.text("inotify"))
        self._threads = [
            threading.Thread(target=self._run, name=f"automation-watch-{id(self):x}", daemon=True),
            threading.Thread(target=self._summary.loop, args=(lambda: self._stopping,),
                             name=f"automation-summary-{id(self):x}", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 120.0) -> None:
        """Finish the workbook and summary in flight, then stop watching (queued work is caught up next start)."""
        with self._cond:
            if self._stopping:
                return
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.stop()
                self._observer.join(timeout)
        self._log.say("stopped")
        self._log.detach()

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once nothing is queued, in flight or due (the summary included); False after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()  # the clock may have been moved: let the worker look at the timed tasks now
            while not self._idle():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.1))
            return True

    @property
    def connected(self) -> bool:
        """Whether the root is being watched (False while it is gone, e.g. a disconnected share)."""
        return self._connected

    @property
    def pending(self) -> set[Path]:
        """Workbooks whose results wait: for a lock file to go away, a read-only file to become writable, or a
        retry after a disk, permission or share problem."""
        with self._cond:
            return self._waiting.paths()

    def waiting_for(self, path: Path) -> str | None:
        """Why ``path`` waits (the write-back's outcome code), None when it does not."""
        with self._cond:
            return self._waiting.code(Path(os.path.abspath(path)))

    @property
    def reports(self) -> list[WorkbookReport]:
        """The newest processed workbooks (at most KEEP_REPORTS), oldest first."""
        with self._cond:
            return list(self._reports)

    @property
    def summaries(self) -> int:
        """How many times the summary was built."""
        return self._summary.builds

    @property
    def log_extra(self) -> dict[str, int]:
        """``extra=`` for logger calls of helpers (timed tasks' threads), so their lines reach this watcher's log."""
        return self._log.extra

    @property
    def timed(self) -> dict[str, dt.datetime | None]:
        """When each timed task is next due on the watcher's clock, by name (None: not scheduled)."""
        with self._cond:
            return self._timers.next_instants()

    @property
    def console(self) -> Console:
        return self._log.console

    @property
    def skipped(self) -> list[Path]:
        with self._cond:
            return list(self._skipped)

    def _idle(self) -> bool:
        return not (self._items or self._busy or self._catchup or self._settings_at is not None
                    or self._summary.busy() or self._timers.due())

    # --- events ---------------------------------------------------------------------------------------------

    def _on_event(self, event: FileSystemEvent) -> None:
        try:
            for action in ev.classify(event, self.root, self.settings):
                self._act(action)
        except Exception:  # noqa: BLE001 - an odd event must never stop the observer thread
            logger.exception("event %r", event, extra=self._log.extra)

    def _act(self, action: Action) -> None:
        if action.kind is Kind.CHANGED:
            self._enqueue(action.path, delay=self.debounce)
        elif action.kind is Kind.LOCK_RELEASED:
            if self._summary.is_summary_folder(action.path):
                self._summary.look_at_copy()
            with self._cond:
                ready = self._waiting.due(time.monotonic(), folder=action.path)
            for path in ready:
                self._enqueue(path, delay=self.debounce, force=True)
        elif action.kind is Kind.SETTINGS:
            with self._cond:
                self._settings_at = time.monotonic() + self.debounce
                self._cond.notify_all()
        else:  # a folder appeared or went away, or the root itself: look at the watches now
            with self._cond:
                self._next_health = 0.0
                self._cond.notify_all()

    def _enqueue(self, path: Path, *, delay: float, force: bool = False) -> None:
        path = Path(os.path.abspath(path))
        now = time.monotonic()
        seen = ev.file_stat(path)
        with self._cond:
            item = self._items.get(path)
            if item is None:
                self._items[path] = Item(path, now + delay, seen, force)
            else:
                item.due = max(item.due, now + delay)
                item.stat = seen
                item.force |= force
            self._cond.notify_all()

    def _requeue(self, item: Item) -> None:
        with self._cond:
            newer = self._items.get(item.path)
            if newer is None:
                self._items[item.path] = item
            else:  # an event arrived meanwhile: its timing wins, nothing asked of the old one is lost
                newer.force |= item.force
            self._cond.notify_all()

    # --- the worker -----------------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                ready = self._wait_for_work()
                if ready is None:
                    return
                self._busy = True
            try:
                self._work(ready)
            except Exception as exc:  # noqa: BLE001 - the watcher never dies
                logger.exception("watcher loop", extra=self._log.extra)
                self._log.say("loop_error", level=logging.ERROR, error=exc)
                with self._cond:
                    self._cond.wait(1.0)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _wait_for_work(self) -> list[Item] | None:
        """Under the lock: the items due now (possibly none, when a periodic task is due); None when stopping."""
        while not self._stopping:
            now = time.monotonic()
            ready = sorted((i for i in self._items.values() if i.due <= now), key=lambda i: i.due)
            waiting_wake = self._waiting.next_wake()
            periodic = (now >= self._next_health or self._summary.copy_look_due(now) or self._timers.due()
                        or (waiting_wake is not None and now >= waiting_wake)
                        or (self._settings_at is not None and now >= self._settings_at))
            if ready or periodic or self._catchup:
                for item in ready:
                    del self._items[item.path]
                return ready
            self._summary.tick(now, queue_empty=not self._items)
            wakes = [self._next_health, *(i.due for i in self._items.values())]
            if waiting_wake is not None:
                wakes.append(waiting_wake)
            wakes.extend(self._summary.wakes())
            if self._settings_at is not None:
                wakes.append(self._settings_at)
            if (timer := self._timers.seconds_to_next()) is not None:
                wakes.append(now + timer)
            self._cond.wait(max(min(wakes) - now, 0.005))
        return None

    def _work(self, ready: list[Item]) -> None:
        now = time.monotonic()
        if now >= self._next_health:
            self._sync_watches()
        if self._settings_at is not None and now >= self._settings_at:
            with self._cond:
                self._settings_at = None
            self._reload_settings()
        with self._cond:
            folders, self._catchup = self._catchup, None
        if folders and self._connected:
            self._catch_up(None if self.root in folders else folders)
        if self._summary.copy_look_due(now):
            self._summary.look_at_copy()
        with self._cond:
            due = self._waiting.due(now)
            locked = self._waiting.paths("locked")
        for path in due:
            self._enqueue(path, delay=0, force=True)
        self._name_stale_locks(locked)
        self._timers.reschedule()  # settings or 基础资料 may have moved an instant
        self._timers.run_due()
        batch: list[tuple[Item, str | None, bool]] = []  # item, content hash, whether the content is new
        for item in ready:
            verdict = ev.settle(item, time.monotonic())
            if verdict == "wait":
                self._requeue(item)
            elif verdict == "gone":
                self._gone(item.path)
            else:
                sha = ev.content_hash(item.path)
                new = not self._known(item.path, sha)
                if new or item.force:
                    batch.append((item, sha, new))
                else:
                    logger.debug("unchanged content, skipped: %s", item.path, extra=self._log.extra)
                    with self._cond:
                        self._skipped.append(item.path)
        if batch:
            self._process_batch(batch)

    def _known(self, path: Path, sha: str | None) -> bool:
        """Whether this content was already handled: written by us, or checked and not written into since."""
        if sha is None:
            return False
        if self._own.get(path) == sha:
            return True
        try:
            record = State(self.root).get(path)
        except Exception:  # noqa: BLE001 - an unreadable state database only costs a re-check
            return False
        return record is not None and ev.knows_content(record, sha, path)

    def _process_batch(self, batch: list[tuple[Item, str | None, bool]]) -> None:
        """Process settled workbooks with one fresh Deployment (head office first); then re-check the registers
        that look up a register whose content changed, unless they were processed after it in this batch."""
        deployment = Deployment(self.root, self.settings, self._now().replace(second=0, microsecond=0))
        batch.sort(key=lambda entry: self._rank(entry[0].path))
        done_at: dict[Path, int] = {}
        causes: list[tuple[int, str, Path]] = []
        for index, (item, sha, new) in enumerate(batch):
            with self._cond:
                if self._stopping:
                    break
            report = self._process_one(deployment, item.path, sha)
            done_at[item.path] = index
            if report is not None and new and report.error_zh is None and report.register in ev.DEPENDENTS:
                causes.append((index, report.register, item.path))
        for index, register, path in causes:
            for target in self._dependents(register, path):
                if done_at.get(target, -1) <= index:  # not already processed after the change in this batch
                    self._enqueue(target, delay=0, force=True)

    def _refresh(self, paths: list[Path]) -> None:
        """The scheduled refresh: time-dependent workbooks processed again, each like a save (same safety rules)."""
        for path in paths:
            self._enqueue(path, delay=0, force=True)

    def _process_one(self, deployment: Deployment, path: Path, sha: str | None) -> WorkbookReport | None:
        name = self._log.name(path)
        logger.info(self._log.text("processing", name=name), extra=self._log.extra)
        try:
            report = process_workbook(deployment, path, write=True)
        except Exception as exc:  # noqa: BLE001 - one job's crash is recorded; the others go on
            logger.exception("processing %s", name, extra=self._log.extra)
            self._record_crash(path, exc)
            self._log.say("crash", level=logging.ERROR, name=name, error=exc)
            self._summary.schedule()
            return None
        if report.error_zh is not None and report.sha256 is None and sha is not None and ev.content_hash(path) == sha:
            # Remember unusable content too, so it is not read again at every restart.
            with contextlib.suppress(Exception):
                State(self.root).save(dataclasses.replace(record_of(report, self.root), sha256=sha))
        with self._cond:
            self._reports.append(report)
            if report.written and report.written_sha256:
                self._own[path] = report.written_sha256
            code = "state" if report.state_error is not None else report.write_code
            if report.error_zh is None and (code in CONDITIONS or code in RETRYABLE or code in ("owner", "state")):
                self._waiting.wait(path, code, time.monotonic())
            else:
                self._waiting.clear(path)
            if code != "locked":
                self._stale_reported.discard(path)
            self._cond.notify_all()
        self._report(report, name)
        self._summary.processed(deployment, report)
        self._summary.schedule()
        return report

    def _report(self, report: WorkbookReport, name: str) -> None:
        lang = self.settings.language
        if report.state_error is not None:
            self._log.say("state_failed", level=logging.ERROR, name=name, error=report.state_error.message(lang))
        if report.error_zh is not None:
            self._log.say("unusable", level=logging.WARNING, name=name, error=report.error(lang))
            return
        counts = self._log.text("counts", errors=report.errors, warnings=report.warnings)
        level = logging.WARNING if report.errors else logging.INFO
        if report.written:
            self._log.say("written", level=level, name=name, counts=counts)
        elif report.reason is None:
            self._log.say("unchanged", level=level, name=name, counts=counts)
        else:
            reason = report.reason_en if lang == "en" and report.reason_en else report.reason
            self._log.say("not_written", level=logging.WARNING, name=name, counts=counts, reason=reason)

    def _record_crash(self, path: Path, exc: Exception) -> None:
        zh, en = MESSAGES["crash_state"]
        report = WorkbookReport(path=path, name=self._log.name(path), register=None, branch=branch_of(path, self.root) or None,
                                error_zh=zh.format(error=describe_exception(exc, "zh")),
                                error_en=en.format(error=describe_exception(exc, "en")))
        with self._cond:
            self._reports.append(report)
        with contextlib.suppress(Exception):
            State(self.root).save(record_of(report, self.root))

    def _gone(self, path: Path) -> None:
        with self._cond:
            self._waiting.clear(path)
            self._own.pop(path, None)
        if not self.root.is_dir():
            return  # the whole root went away: nothing to record (and the state must not create it again)
        state = State(self.root)
        with contextlib.suppress(Exception):
            record = state.get(path)
            if record is None or record.error == DELETED:
                return  # never processed, or already recorded
            state.save(dataclasses.replace(
                record, sha256=None, written_sha256=None, written=False, reason=None, error=DELETED,
                processed=dt.datetime.now().isoformat(timespec="seconds")))
            self._log.say("deleted", level=logging.WARNING, name=self._log.name(path))
            self._summary.schedule()

    def _name_stale_locks(self, locked: set[Path]) -> None:
        """Name, once, each lock that has become probably stale while its write waited (with the unlock command)."""
        for path in locked - self._stale_reported:
            lock = current_lock(path)
            if lock is not None and lock.stale(self.settings.stale_lock_hours):
                self._stale_reported.add(path)
                reason = describe_lock(lock, path, stale_hours=self.settings.stale_lock_hours,
                                       lang=self.settings.language)
                self._log.say("stale_lock", level=logging.WARNING, name=self._log.name(path), reason=reason)

    def _clean_leftovers(self) -> None:
        """Temporary files of a process killed mid-write (the last run of this watcher, say) are cleared at start."""
        try:
            cleaned = clean_leftovers(self.root)
        except OSError:
            return
        if cleaned:
            self._log.say("cleaned", level=logging.WARNING, count=len(cleaned))

    def _dependents(self, register: str, path: Path) -> list[Path]:
        scope, keys = ev.DEPENDENTS[register]
        folders = self._folders() if scope == "*" else [path.parent]
        registers = {r.path: r.register for r in ev.state_records(self.root)}
        out = []
        for folder in folders:
            for candidate in ev.files_in(folder):
                if candidate == path or not ev.is_workbook(candidate, self.root, self.settings):
                    continue
                key = State(self.root).key(candidate)
                found = registers.get(key) or getattr(register_by_name(candidate), "key", None)
                if found in keys:
                    out.append(candidate)
        return out

    def _rank(self, path: Path) -> tuple[int, int, str]:
        head_office = 0 if path.parent.name == self.settings.head_office else 1
        register = register_by_name(path)
        return head_office, ev.RANK.get(register.key if register else "", 9), str(path)

    # --- catch-up, folders, settings, the root itself -------------------------------------------------------

    def _catch_up(self, folders: set[Path] | None) -> None:
        """Queue every workbook (of ``folders``, or all) changed since it was last processed or deleted, and every
        write-back still pending."""
        names = None if folders is None else {f.name for f in folders}
        records = {r.path: r for r in ev.state_records(self.root) if names is None or r.path.split("/")[0] in names}
        seen: set[str] = set()
        state = State(self.root)
        for source in discover(self.root, self.settings):
            path = Path(os.path.abspath(source.path))
            if (names is not None and path.parent.name not in names) or not ev.is_workbook(path, self.root, self.settings):
                continue
            key = state.key(path)
            seen.add(key)
            record = records.get(key)
            sha = ev.content_hash(path)
            if record is None or sha is None or not ev.knows_content(record, sha, path):
                self._enqueue(path, delay=0)
            elif ev.write_pending(record):
                self._enqueue(path, delay=0, force=True)
        for key in records.keys() - seen:
            candidate = self.root / key
            if records[key].error != DELETED and not Path(key).is_absolute() and not candidate.exists():
                self._enqueue(candidate, delay=0)  # deleted while we were away: recorded once confirmed
        if folders is None:
            if ev.summary_stale(self.root, self.settings, records.values()):
                self._summary.schedule()
            self._summary.look_at_copy()

    def _reload_settings(self) -> None:
        try:
            settings = load_settings(self.root)
        except SettingsError as exc:
            self._log.say("settings_bad", level=logging.ERROR, error=exc.message(self.settings.language))
            return
        except OSError:
            return
        if settings == self.settings:
            return
        self.settings = settings
        self._log.say("settings")
        for source in discover(self.root, settings):
            if ev.is_workbook(source.path, self.root, settings):
                self._enqueue(source.path, delay=self.debounce, force=True)

    def _sync_watches(self) -> None:
        """Watch the root (new folders, the settings file) and each of its folders, none of them recursively (so
        nothing under ``.automation/`` is watched); notice a folder, or the root itself, going away and coming back.
        """
        now = time.monotonic()
        root_identity = ev.folder_identity(self.root)
        if root_identity is None:
            self._next_health = now + self.interval
            self._unwatch(list(self._watches))
            if self._connected:
                self._connected = False
                self._log.say("gone", level=logging.WARNING, root=self.root)
            return
        self._next_health = now + max(HEALTH_EVERY, self.interval)
        assert self._observer is not None
        alive = {e.watch for e in list(self._observer.emitters) if e.is_alive()}
        wanted = {self.root: root_identity}
        for folder in self._folders():
            if (identity := ev.folder_identity(folder)) is not None:
                wanted[folder] = identity
        stale = [p for p, (w, identity) in self._watches.items() if wanted.get(p) != identity or w not in alive]
        self._unwatch(stale)
        changed = set(stale)
        for folder, identity in wanted.items():
            if folder in self._watches:
                continue
            try:
                watch = self._observer.schedule(self._handler, str(folder), recursive=False, event_filter=ev.EVENT_FILTER)
            except OSError as exc:
                logger.warning("cannot watch %s: %s", folder, exc, extra=self._log.extra)
                self._next_health = now + self.interval
                continue
            self._watches[folder] = (watch, identity)
            changed.add(folder)
        if not self._connected:
            self._connected = True
            changed.add(self.root)
            if self._was_connected:
                self._log.detach()  # the log file may have gone with the folder
                self._log.attach()
                self._log.say("back", root=self.root)
            self._was_connected = True
        if changed:  # looked at after the watch is in place, so nothing written meanwhile is missed
            with self._cond:
                self._catchup = (self._catchup or set()) | changed
                self._cond.notify_all()

    def _unwatch(self, folders: list[Path]) -> None:
        for folder in folders:
            watch, _ = self._watches.pop(folder)
            with contextlib.suppress(Exception):
                self._observer.unschedule(watch)  # type: ignore[union-attr]

    def _folders(self) -> list[Path]:
        return unit_folders(self.root)


# --- the command --------------------------------------------------------------------------------------------


def watch(
    root: Path,
    *,
    polling: bool = False,
    interval: float = 1.0,
    console: Console | None = None,
    stop: threading.Event | None = None,
    on_summary: Callable[[Path], None] | None = None,
    tasks: Sequence[TimedTask] = (),
    now: Clock = dt.datetime.now,
) -> int:
    """``automation watch``: watch ``root`` until ``stop`` is set or SIGINT/SIGTERM arrives; return the exit code.

    ``tasks``: timed tasks to run besides the built-in refresh and the morning digest (:mod:`automation.watch_tasks`,
    :mod:`automation.notify`); ``now``: the clock. 0 after a normal
    stop (the write in flight is finished first); 2 when the root does not exist or its settings
    file is bad. Signal handlers are installed only when called from the main thread; a second Ctrl-C stops at
    once (KeyboardInterrupt).
    """
    console = console if console is not None else Console()
    root = Path(root)
    try:
        settings = load_settings(root)
    except SettingsError as exc:
        console.print(Text(exc.message("zh"), style="bold red"))
        return 2
    lang = settings.language
    if not root.is_dir():
        zh, en = MESSAGES["no_root"]
        console.print(Text((en if lang == "en" else zh).format(root=root), style="bold red"))
        return 2
    if interval <= 0:
        console.print(Text("--interval 应大于 0" if lang != "en" else "--interval must be > 0", style="bold red"))
        return 2
    stop = stop if stop is not None else threading.Event()
    # The morning digest rides on the watcher's clock; it does nothing until [notify] names a channel.
    digest = DigestTask(root)
    watcher = Watcher(root, polling=polling, interval=interval, console=console, on_summary=on_summary,
                      tasks=[*tasks, digest], now=now)
    digest.configure(settings=lambda: watcher.settings, log_extra=watcher.log_extra,
                     on_outcome=lambda outcome: console.print(outcome.line(watcher.settings.language)))
    restore = _install_signal_handlers(stop)
    try:
        watcher.start()
        while not stop.wait(1.0):
            pass
        watcher._log.say("stopping")
    finally:
        try:
            watcher.stop()
        finally:
            restore()
    return 0


def _install_signal_handlers(stop: threading.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # asked twice: do not wait any longer
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, old)

    return restore


__all__ = ["DELETED", "LOG_FILE", "MESSAGES", "Watcher", "watch"]
