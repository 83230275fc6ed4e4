"""What has been sent: ``ROOT/.automation/notify.json``, so a digest goes out once per day and delivery, across
restarts, and a failed one is retried with back-off.

The file is JSON (never pickle: every clerk can write ``.automation/`` on a share, and loading a pickle runs
whatever code it names), written to a temporary file beside it, flushed to disk and renamed over it, so a crash
leaves the old or the new version, never half of one. Layout::

    {"version": 1, "days": {"2026-11-30": {"email|服务中心|服务主任": {
        "sent": "2026-11-30T08:00:04", "parts": 1, "attempts": 1,
        "error": null, "next_try": null}}}}

A delivery's ``parts`` counts the parts already delivered (a robot message split in three that failed on the
third resends only the third). Days older than :data:`KEEP_DAYS` are dropped. A file that cannot be read as this
layout is set aside as ``notify.json.bad`` and the day starts afresh — at worst a digest is sent again, never lost.

:func:`sending_lock` keeps two processes (the watcher and a manual ``automation notify``) from sending the same
digest at the same moment: an exclusive lock file; one left by a process that died is taken over after
:data:`LOCK_STALE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..root import STATE_DIR

STATE_FILE = "notify.json"
LOCK_FILE = "notify.lock"
VERSION = 1
KEEP_DAYS = 14
LOCK_STALE_SECONDS = 15 * 60  # longer than any sending round (timeouts are at most 2 minutes per delivery)


@dataclass
class Delivery:
    sent: str | None = None  # ISO time it was delivered completely
    parts: int = 0  # parts delivered so far
    attempts: int = 0
    error: str | None = None  # the last failure, as logged
    next_try: str | None = None  # ISO time before which it is not tried again

    @classmethod
    def of(cls, value: Any) -> Delivery | None:
        if not isinstance(value, dict):
            return None
        kinds = {"sent": (str, type(None)), "parts": (int,), "attempts": (int,), "error": (str, type(None)),
                 "next_try": (str, type(None))}
        if set(value) != set(kinds) or any(type(value[k]) not in t for k, t in kinds.items()):
            return None
        return cls(**value)


def delivery_key(channel: str, branch: str, target: str) -> str:
    return f"{channel}|{branch}|{target}"


class NotifyState:
    """The sent-state of one root, read at construction and written by :meth:`save`."""

    def __init__(self, root: Path) -> None:
        self.folder = root / STATE_DIR
        self.path = self.folder / STATE_FILE
        self.days: dict[str, dict[str, Delivery]] = self._read()

    def _read(self) -> dict[str, dict[str, Delivery]]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError:
            return {}
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("days"), dict):
                raise ValueError("not our layout")
            days: dict[str, dict[str, Delivery]] = {}
            for day, entries in data["days"].items():
                dt.date.fromisoformat(day)
                if not isinstance(entries, dict):
                    raise ValueError("not our layout")
                days[day] = {}
                for key, value in entries.items():
                    delivery = Delivery.of(value)
                    if delivery is None:
                        raise ValueError("not our layout")
                    days[day][key] = delivery
            return days
        except (ValueError, TypeError):
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_name(STATE_FILE + ".bad"))
            return {}

    def get(self, day: dt.date, key: str) -> Delivery:
        return self.days.setdefault(day.isoformat(), {}).setdefault(key, Delivery())

    def peek(self, day: dt.date, key: str) -> Delivery | None:
        return self.days.get(day.isoformat(), {}).get(key)

    def save(self, today: dt.date) -> None:
        """Write the state atomically; raises OSError when it cannot be written."""
        oldest = (today - dt.timedelta(days=KEEP_DAYS)).isoformat()
        self.days = {d: e for d, e in self.days.items() if d >= oldest}
        payload = {"version": VERSION,
                   "days": {d: {k: asdict(v) for k, v in sorted(e.items())} for d, e in sorted(self.days.items())}}
        data = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
        self.folder.mkdir(exist_ok=True)
        tmp = self.folder / f".{STATE_FILE}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()


@contextlib.contextmanager
def sending_lock(root: Path) -> Iterator[bool]:
    """Yields True while this process holds the sending lock of ``root``, False when another process does."""
    folder = root / STATE_DIR
    path = folder / LOCK_FILE
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        yield True  # no state folder to lock in: nothing to coordinate with either
        return
    fd = None
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                age = time.time() - path.stat().st_mtime
            except OSError:
                continue  # it went away meanwhile: try again
            if age < LOCK_STALE_SECONDS:
                yield False
                return
            with contextlib.suppress(OSError):
                path.unlink()  # left by a process that died mid-round
        except OSError:
            yield True
            return
    if fd is None:
        yield False
        return
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        yield True
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


__all__ = ["Delivery", "NotifyState", "delivery_key", "sending_lock"]
