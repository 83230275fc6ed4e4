"""Workbooks whose results wait to be written, and when the watcher looks at them again (§7, §11).

A write-back that could not happen is not forgotten until the next save. Each waiting workbook has a reason
(the write-back's outcome code) that decides when it is worth another try:

* ``locked`` — someone has it open: tried as soon as its lock file is gone (the deletion event, or a look every
  ``poll`` seconds in case that event is missed);
* ``read_only`` — the file is read-only: tried as soon as it is writable again (same cheap look);
* a disk, permission, share or other I/O problem, a state database that could not be written, an owner that
  could not be kept — tried again with exponential back-off (:data:`FIRST_DELAY` doubling up to
  :data:`MAX_DELAY`), so a full disk is retried within minutes of being cleared without hammering it.

The watcher owns one :class:`WaitList` and asks it, under its own lock, which workbooks are due.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .xlsx.locks import lock_files

FIRST_DELAY = 2.0  # seconds before the first retry after a disk, permission or share problem
MAX_DELAY = 300.0  # back-off never waits longer than this
CONDITIONS = ("locked", "read_only")  # waits that end when a condition on disk changes, looked at every poll


def _writable(path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return True  # gone or unreachable: let the processing report it
    return bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and (
        os.name == "nt" or os.access(path, os.W_OK))


def condition_cleared(path: Path, code: str) -> bool:
    """Whether what kept the write from happening has gone (no lock file; writable again)."""
    if code == "locked":
        return not lock_files(path)
    if code == "read_only":
        return _writable(path)
    return True


@dataclass
class Waiting:
    code: str  # why: "locked", "read_only", or a retryable problem ("disk_full", "state", ...)
    next_look: float  # monotonic time
    delay: float  # current back-off (retryable problems)
    tries: int = 0


class WaitList:
    """Waiting workbooks by path. Not thread-safe: the watcher calls it under its lock."""

    def __init__(self, poll: float) -> None:
        self.poll = poll
        self._items: dict[Path, Waiting] = {}

    def wait(self, path: Path, code: str, now: float) -> None:
        """Record that ``path`` waits for ``code``; a repeated retryable problem doubles its back-off."""
        old = self._items.get(path)
        if code in CONDITIONS:
            self._items[path] = Waiting(code, now + self.poll, 0.0)
            return
        delay = FIRST_DELAY if old is None or old.code != code else min(old.delay * 2, MAX_DELAY)
        self._items[path] = Waiting(code, now + delay, delay, (old.tries + 1) if old and old.code == code else 1)

    def clear(self, path: Path) -> None:
        self._items.pop(path, None)

    def code(self, path: Path) -> str | None:
        item = self._items.get(path)
        return item.code if item else None

    def paths(self, code: str | None = None) -> set[Path]:
        return {p for p, w in self._items.items() if code is None or w.code == code}

    def due(self, now: float, folder: Path | None = None) -> list[Path]:
        """Workbooks worth trying now: a condition cleared (looked at every ``poll`` s, or at once for ``folder``,
        where a lock file just went away) or a back-off expired. Their next look is pushed back meanwhile."""
        ready = []
        for path, item in self._items.items():
            if item.code in CONDITIONS:
                if (item.next_look <= now or path.parent == folder) and condition_cleared(path, item.code):
                    ready.append(path)
                elif item.next_look <= now:
                    item.next_look = now + self.poll
            elif item.next_look <= now and folder is None:
                ready.append(path)
                item.next_look = now + item.delay  # until the processing reports back
        return ready

    def next_wake(self) -> float | None:
        return min((w.next_look for w in self._items.values()), default=None)

    def __contains__(self, path: object) -> bool:
        return path in self._items

    def __len__(self) -> int:
        return len(self._items)


__all__ = ["CONDITIONS", "FIRST_DELAY", "MAX_DELAY", "WaitList", "Waiting", "condition_cleared"]
