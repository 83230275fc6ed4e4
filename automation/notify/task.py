"""The morning digest as a timed task of the folder watcher (``automation.watch_tasks.TimedTask``).

:class:`DigestTask` answers ``next_due`` with :func:`~automation.notify.send.next_send_time` (the next digest time
on the working calendar, or the next retry of a failed delivery) and, in ``run``, sends what is due in a thread of
its own: network calls with their timeouts and retries must not hold up the write-back of a save. ``next_due`` is
asked every couple of seconds, so its answer is cached until its inputs change (the instant asked about, the
settings, 基础资料 — which holds 节假日调整 — and the sent-state file).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from ..calendar import WorkCalendar
from ..settings import Settings, load_settings
from .config import NotifySettings
from .send import Outcome, deployment_calendar, next_send_time, send_due_digests
from .state import STATE_FILE

logger = logging.getLogger("automation.notify")
# When a due delivery was not tried (another process held the sending lock), look again this much later.
RETRY_BUSY = dt.timedelta(seconds=30)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class DigestTask:
    """Sends the due morning digests of ``root`` on the watcher's clock.

    ``settings`` gives the watcher's current settings (it keeps the previous ones when the file turns bad);
    ``log_extra`` is its ``WatchLog.extra`` so the lines reach its log file; ``on_outcome`` is told every delivery
    (e.g. to print it on the watcher's console). ``background=False`` sends within ``run`` (tests)."""

    name = "晨报"

    def __init__(
        self,
        root: Path,
        settings: Callable[[], Settings] | None = None,
        *,
        log_extra: Mapping[str, object] | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
        background: bool = True,
    ) -> None:
        self.root = root
        self._settings = settings or (lambda: load_settings(root))
        self.log_extra = dict(log_extra or {})
        self.on_outcome = on_outcome
        self.background = background
        self._thread: threading.Thread | None = None
        self._calendar: tuple[object, WorkCalendar] | None = None
        self._answer: tuple[object, dt.datetime | None] | None = None

    def _calendar_for(self, settings: Settings, now: dt.datetime) -> WorkCalendar:
        head = self.root / settings.head_office
        try:
            masters = tuple(sorted((p.name, _stamp(p)) for p in head.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm", ".xls")))
        except OSError:
            masters = ()
        key = (settings, masters)
        if self._calendar is None or self._calendar[0] != key:
            self._calendar = (key, deployment_calendar(self.root, settings, now))
        return self._calendar[1]

    def next_due(self, after: dt.datetime) -> dt.datetime | None:
        settings = self._settings()
        notify = settings.notify
        if not isinstance(notify, NotifySettings) or not notify.channels:
            return None
        key = (after, settings, _stamp(self.root / ".automation" / STATE_FILE), self.busy)
        if self._answer is not None and self._answer[0] == key:
            return self._answer[1]
        calendar = self._calendar_for(settings, after)
        due = next_send_time(self.root, after, settings, calendar)
        if due <= after:  # a delivery due and not yet tried (being sent, or another process held the lock)
            due = after + RETRY_BUSY
        self._answer = (key, due)
        return due

    def configure(
        self,
        *,
        settings: Callable[[], Settings],
        log_extra: Mapping[str, object],
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        """Attach to a watcher made after this task: its current settings, its log, its console."""
        self._settings = settings
        self.log_extra = dict(log_extra)
        self.on_outcome = on_outcome

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self, now: dt.datetime) -> None:
        if self.busy:
            return  # the previous round is still sending; the file lock would keep a second one out anyway
        settings = self._settings()
        if not self.background:
            self._send(now, settings)
            return
        self._thread = threading.Thread(target=self._send, args=(now, settings), name="automation-notify", daemon=True)
        self._thread.start()

    def _send(self, now: dt.datetime, settings: Settings) -> None:
        for outcome in send_due_digests(self.root, now, settings=settings, log_extra=self.log_extra):
            if self.on_outcome is not None:
                try:
                    self.on_outcome(outcome)
                except Exception:  # noqa: BLE001 - printing a line must not lose the others
                    logger.exception("notify: on_outcome", extra=self.log_extra)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a round being sent in the background; True when none is running any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.busy


__all__ = ["DigestTask"]
