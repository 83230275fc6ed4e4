"""When the folder watcher rebuilds the head-office summary (§8, §11), in a thread of its own.

* ``delay`` seconds after the last processed workbook, once nothing is queued, the summary is rebuilt
  (:func:`automation.summary.build_summary`, or the ``on_summary`` callable given for tests and embedding).
* Each thing once: the facts the summary needs of a workbook the watcher has just processed are taken from that
  processing (its report and the tables it read, :meth:`SummaryScheduler.processed`) and handed to the build, which
  then neither reads nor validates that workbook again.
* The log says 「汇总已更新」 only when the summary was written. When it was open elsewhere, a timestamped copy was
  written instead; the summary is rebuilt once the reader closes it (the lock's deletion event, or a look every
  ``poll`` seconds). When it could not be written at all (disk full, permission, share gone), the build is retried
  with back-off, doubling from :data:`~automation.watch_waiting.FIRST_DELAY` to
  :data:`~automation.watch_waiting.MAX_DELAY`; a pending retry does not keep the watcher from being idle.

The scheduler shares the watcher's condition variable: the watcher asks it, under that lock, whether a build is due
(:meth:`SummaryScheduler.tick`) and when to wake up next (:meth:`SummaryScheduler.wakes`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import watch_events as ev
from . import watch_waiting
from .settings import Settings
from .watch_output import WatchLog, logger
from .xlsx.locks import lock_files

if TYPE_CHECKING:
    from .deployment import Deployment
    from .pipeline import WorkbookReport


class SummaryScheduler:
    def __init__(self, root: Path, cond: threading.Condition, log: WatchLog, settings: Callable[[], Settings], *,
                 delay: float, poll: float, on_summary: Callable[[Path], None] | None,
                 now: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.root = root
        self.now = now  # the watcher's clock: the summary's as-of
        self.cond = cond
        self.log = log
        self.settings = settings
        self.delay = delay
        self.poll = poll
        self.on_summary = on_summary
        self.builds = 0  # summaries built (written, or their copy written)
        self._at: float | None = None  # a build is due then (once nothing is queued)
        self._retry_at: float | None = None  # the last build could not be written: try again then
        self._backoff = 0.0
        self._requested = False
        self._running = False
        self._copy_waiting = False  # a timestamped copy waits for the summary's reader to close it
        self._retried = False
        self._next_copy_look = 0.0
        self._facts: dict[Path, Any] = {}  # path -> WorkbookFacts of its latest processing, for the next build

    # --- under the watcher's lock -------------------------------------------------------------------------

    def busy(self) -> bool:
        """A build is due, asked for or running (a back-off retry does not count)."""
        return self._at is not None or self._requested or self._running

    def tick(self, now: float, queue_empty: bool) -> None:
        """Turn a due build into a request for the summary thread."""
        if self._at is not None and now >= self._at and queue_empty:
            self._at = None
            self._requested = True
            self.cond.notify_all()
        if self._retry_at is not None and now >= self._retry_at:
            self._retry_at = None
            self._requested = True
            self.cond.notify_all()

    def wakes(self) -> list[float]:
        times = [t for t in (self._at, self._retry_at) if t is not None]
        if self._copy_waiting:
            times.append(self._next_copy_look)
        return times

    def copy_look_due(self, now: float) -> bool:
        return self._copy_waiting and now >= self._next_copy_look

    # --- from any thread ------------------------------------------------------------------------------------

    def processed(self, deployment: Deployment, report: WorkbookReport) -> None:
        """Keep the summary's facts of a workbook just processed (with ``deployment``'s tables of what was
        checked), for the next build. Only when the real summary is built: a test's ``on_summary`` takes none."""
        if self.on_summary is not None:
            return
        try:
            from .summary.collect import facts_of  # imported when first needed: a watcher starts quickly

            loaded = deployment.load(report.path) if report.error_zh is None else None
            facts = facts_of(report, loaded, deployment)
        except Exception:  # noqa: BLE001 - without them the build reads the workbook itself, as before
            logger.exception("summary facts of %s", report.path, extra=self.log.extra)
            return
        with self.cond:
            self._facts[report.path] = facts

    def schedule(self) -> None:
        with self.cond:
            self._at = time.monotonic() + self.delay
            self.cond.notify_all()

    def look_at_copy(self, *, after_build: bool = False) -> None:
        """A timestamped copy beside the summary means it was open when built: rebuild once its lock is gone. Right
        after a build that left a copy without a lock (closed meanwhile, or not replaceable for another reason) it
        is retried once, never in a loop."""
        settings = self.settings()
        with self.cond:
            self._next_copy_look = time.monotonic() + self.poll
        if not ev.summary_copy_waiting(self.root, settings):
            self._copy_waiting = self._retried = False
        elif lock_files(self.root / settings.summary):
            with self.cond:
                self._copy_waiting, self._retried = True, False
                self.cond.notify_all()
        else:
            self._copy_waiting = False
            if not (after_build and self._retried):
                self._retried = after_build
                self.schedule()

    def is_summary_folder(self, folder: Path) -> bool:
        return self._copy_waiting and folder == (self.root / self.settings().summary).parent

    # --- the summary thread ---------------------------------------------------------------------------------

    def loop(self, stopping: Callable[[], bool]) -> None:
        while True:
            with self.cond:
                while not (self._requested or stopping()):
                    self.cond.wait()
                if stopping():
                    return
                self._requested = False
                self._running = True
            try:
                started = time.monotonic()
                failure = self._build()
                if failure is None:
                    self.log.say("summary", seconds=time.monotonic() - started)
                elif failure:
                    self.log.say("summary_failed", level=logging.ERROR, error=failure)
                self._retry(time.monotonic() if failure else None)
            except Exception as exc:  # noqa: BLE001 - a failed summary is logged; the watcher goes on
                logger.exception("summary", extra=self.log.extra)
                self.log.say("summary_failed", level=logging.ERROR, error=exc)
                self._retry(time.monotonic())
            finally:
                with contextlib.suppress(Exception):
                    self.look_at_copy(after_build=True)
                with self.cond:
                    self._running = False
                    self.builds += 1
                    self.cond.notify_all()

    def _build(self) -> str | None:
        """Build the summary; None when it was written (or, open elsewhere, its copy was), "" when there is none
        to write (a branch site, which only publishes), else why not."""
        if self.on_summary is not None:
            self.on_summary(self.root)
            return None
        from . import summary  # imported when first needed: a watcher starts quickly

        with self.cond:
            facts, self._facts = self._facts, {}
        outcome = summary.build_summary(self.root, as_of=self.now().replace(second=0, microsecond=0), facts=facts)
        language = self.settings().language
        if outcome.published is not None and outcome.published.problem is not None:  # the site's store is away
            self.log.say("store_waiting", level=logging.WARNING, reason=outcome.published.message(language))
        if outcome.branch_site:
            if outcome.published is not None and outcome.published.problem is None:
                self.log.say("store_published")
            return ""
        if outcome.written:
            return None
        if outcome.copy is not None:  # open elsewhere: the copy is there and the summary follows when it closes
            self.log.say("summary_copy", level=logging.WARNING, reason=outcome.message(language))
            return None
        return outcome.message(language) or "?"

    def _retry(self, failed_at: float | None) -> None:
        with self.cond:
            if failed_at is None:
                self._backoff, self._retry_at = 0.0, None
                return
            self._backoff = min(max(self._backoff * 2, watch_waiting.FIRST_DELAY), watch_waiting.MAX_DELAY)
            self._retry_at = failed_at + self._backoff
            self.cond.notify_all()


__all__ = ["SummaryScheduler"]
