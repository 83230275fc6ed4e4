"""Timed tasks of the folder watcher: work that falls due at instants of the clock rather than on a file event.

A timed task is any object with three members (:class:`TimedTask`)::

    name: str                                              # for the log: 「定时任务 <name> 出错…」
    def next_due(self, after: datetime) -> datetime | None   # first instant strictly after ``after`` it is due;
                                                             # None: not due any more (asked again later)
    def run(self, now: datetime) -> None                     # do the work; ``now`` is the watcher's clock

Register one by passing it to the watcher: ``Watcher(root, tasks=[task])`` or ``watch(root, tasks=[task])`` (the
command). The scheduled refresh of time-dependent results (:class:`automation.refresh.RefreshTask`) is built in
and comes first; tasks due at the same instant run in that order.

How they are run (:class:`Timers`):

* ``next_due`` is asked at start with the start instant, after each run with the run's instant, and again every
  couple of seconds with the same instant, so a change of its inputs (settings, 基础资料's 节假日调整) moves the
  next instant without a restart. Keep it cheap and free of side effects (cache what it reads).
* A task runs once its instant has come on the watcher's clock (``now``, injectable: tests move it). If the clock
  jumps over several instants (a machine that slept), it runs once, then ``next_due(now)`` is asked.
* ``run`` is called on the watcher's worker thread, between batches of saves, never at the same time as a
  write-back: quick work (queueing workbooks, writing a file) is fine; slow work (a network call with retries)
  belongs in a thread of the task's own so that saves are not held up.
* An exception in ``next_due`` or ``run`` is logged and the watcher goes on; a failed run is not repeated before
  its next instant. ``Watcher.wait_idle`` counts a task that is due or running as work.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from .problems import describe_exception
from .watch_output import WatchLog, logger

__all__ = ["Clock", "TimedTask", "Timers"]

Clock = Callable[[], dt.datetime]


class TimedTask(Protocol):
    """Work the watcher does at instants of its clock (see the module docstring)."""

    name: str

    def next_due(self, after: dt.datetime) -> dt.datetime | None: ...

    def run(self, now: dt.datetime) -> None: ...


class Timers:
    """When each timed task is due on the watcher's clock; runs those that are.

    Used by the watcher's worker thread (``reschedule``, ``run_due``); ``due`` and ``seconds_to_next`` are read
    under the watcher's lock from any thread.
    """

    def __init__(self, tasks: Sequence[TimedTask], now: Clock, log: WatchLog) -> None:
        self.tasks = list(tasks)
        self.now = now
        self.log = log
        self._since: list[dt.datetime | None] = [None] * len(self.tasks)  # start or last run: next_due(since)
        self._due: list[dt.datetime | None] = [None] * len(self.tasks)
        self._failing: dict[int, str] = {}  # task index -> the next_due error last logged (said once, not every 2 s)

    def start(self) -> None:
        """From now on tasks are due at their next instant after now (none is run for instants already past).
        Their instants are asked at the first ``reschedule``, on the worker thread (a task may read files)."""
        self._since = [self.now()] * len(self.tasks)

    def reschedule(self) -> None:
        """Ask every task again when it is next due after its last run (or the start)."""
        for index, task in enumerate(self.tasks):
            since = self._since[index]
            if since is not None:
                self._due[index] = self._ask(task, since)

    def due(self) -> bool:
        """Whether a task's instant has come."""
        now = self.now()
        return any(d is not None and d <= now for d in self._due)

    def seconds_to_next(self) -> float | None:
        """Seconds of the watcher's clock until the next task is due (0 when one is), None when none will be."""
        pending = [d for d in self._due if d is not None]
        if not pending:
            return None
        return max((min(pending) - self.now()).total_seconds(), 0.0)

    def next_instants(self) -> dict[str, dt.datetime | None]:
        """When each task is next due, by name (for the log, ``automation status`` and tests)."""
        return {task.name: due for task, due in zip(self.tasks, self._due, strict=True)}

    def run_due(self) -> None:
        """Run every task whose instant has come, in order; each is then due at its next instant after this run."""
        for index, task in enumerate(self.tasks):
            due = self._due[index]
            now = self.now()
            if due is None or due > now:
                continue
            try:
                task.run(now)
            except Exception as exc:  # noqa: BLE001 - a timed task never stops the watcher
                logger.exception("timed task %s", task.name, extra=self.log.extra)
                self.log.say("task_failed", level=logging.ERROR, task=task.name, error=exc)
            self._since[index] = now
            self._due[index] = self._ask(task, now)

    def _ask(self, task: TimedTask, after: dt.datetime) -> dt.datetime | None:
        try:
            due = task.next_due(after)
        except Exception as exc:  # noqa: BLE001 - asked again at the next reschedule
            index = self.tasks.index(task)
            if self._failing.get(index) != (error := describe_exception(exc, "en")):
                self._failing[index] = error
                logger.exception("timed task %s: next_due", task.name, extra=self.log.extra)
                self.log.say("task_failed", level=logging.ERROR, task=task.name, error=exc)
            return None
        self._failing.pop(self.tasks.index(task), None)
        if due is not None and due <= after:
            # Not later than asked: running it would ask the same again at once, for ever.
            logger.warning("timed task %s: next_due(%s) gave %s, ignored", task.name, after, due, extra=self.log.extra)
            return None
        return due
