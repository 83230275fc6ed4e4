"""What waits, and why: ``automation status`` and ``automation unlock`` (§7, §11).

:func:`waiting_workbooks` lists the workbooks whose results are not written yet — open in Excel or LibreOffice
(naming the lock file, who holds it and since when, and whether the lock looks stale), read-only, or waiting for a
retry after a disk, permission or share problem — from the state database and a live look at the lock files.

:func:`unlock` removes the lock files of one workbook, and nothing else: only when the lock is older than
``watch.stale_lock_hours`` (a program that crashed leaves its lock behind), or when forced.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from .problems import BilingualError, os_reason_zh
from .root import discover
from .settings import Settings
from .state import Record, State, StateError
from .watch_events import is_lock_file, write_pending
from .xlsx.locks import Lock, current_lock, describe_lock, format_age, lock_files, read_lock


class UnlockRefused(BilingualError):
    """``automation unlock`` will not remove this lock (too young, in use, or none there)."""


@dataclass(frozen=True)
class WaitingWorkbook:
    path: Path
    name: str  # relative to the root
    code: str  # "locked", "read_only", or the write-back's problem ("disk_full", "permission", ...)
    reason_zh: str
    reason_en: str
    lock: Lock | None
    stale: bool
    processed: str | None  # when it was last checked

    def reason(self, lang: str = "zh") -> str:
        return self.reason_en if lang == "en" else self.reason_zh

    def to_json(self, lang: str = "zh", now: dt.datetime | None = None) -> dict[str, object]:
        return {
            "path": str(self.path), "name": self.name, "code": self.code, "reason": self.reason(lang),
            "lock": str(self.lock.path) if self.lock else None, "holder": self.lock.holder if self.lock else None,
            "lock_age_hours": round(self.lock.age(now).total_seconds() / 3600, 2) if self.lock else None,
            "stale": self.stale, "processed": self.processed,
        }


def _records(root: Path) -> dict[str, Record]:
    try:
        return {r.path: r for r in State(root).all()}
    except StateError:
        return {}


def waiting_workbooks(root: Path, settings: Settings, now: dt.datetime | None = None) -> list[WaitingWorkbook]:
    """Every workbook of ``root`` that is open now, or whose results wait for something (see the module doc)."""
    now = now or dt.datetime.now()
    records = _records(root)
    state = State(root)
    out = []
    for source in discover(root, settings):
        record = records.get(state.key(source.path))
        lock = current_lock(source.path)
        if lock is not None:
            stale = lock.stale(settings.stale_lock_hours, now)
            zh = describe_lock(lock, source.path, stale_hours=settings.stale_lock_hours, now=now)
            en = describe_lock(lock, source.path, stale_hours=settings.stale_lock_hours, lang="en", now=now)
            code = "locked"
        elif record is not None and write_pending(record):
            stale, code = False, record.code or "pending"
            zh = record.reason or "结果待写回"
            en = zh if code == "pending" else _english(code, zh)
        else:
            continue
        out.append(WaitingWorkbook(source.path, source.name, code, zh, en, lock, stale,
                                   record.processed if record else None))
    return out


def _english(code: str, zh: str) -> str:
    return {
        "read_only": "The file is read-only; results not written (written once it is writable)",
        "disk_full": "Disk full; retried once there is space",
        "permission": "No permission to write; retried once it is writable",
        "share": "The network share cannot be reached; retried once it is back",
        "busy": "In use by another program; retried later",
        "owner": "Writing would change the file's owner; run the watcher as that user",
        "changed": "The file kept changing while it was processed; retried after the next save",
    }.get(code, zh)


def _workbook_of(path: Path) -> Path:
    """The workbook a path names: itself, or the workbook of a lock file given instead."""
    name = path.name
    if name.startswith(".~lock.") and name.endswith("#"):
        return path.with_name(name[len(".~lock."):-1])
    if name.startswith("~$"):
        full = path.with_name(name[2:])
        if full.exists():
            return full
        for candidate in sorted(path.parent.glob(f"??{name[2:]}")):  # Excel shortens long names: ~$ngName.xlsx
            if not is_lock_file(candidate.name):
                return candidate
        return full
    return path


def unlock(path: Path, settings: Settings, *, force: bool = False,
           now: dt.datetime | None = None) -> list[tuple[Lock, str]]:
    """Remove the lock files of the workbook at ``path`` (or of the lock file given); returns each removed lock with
    its age in words. Raises :class:`UnlockRefused` when there is none, when one is younger than
    ``settings.stale_lock_hours`` (unless ``force``), or when it cannot be removed because it is in use."""
    workbook = _workbook_of(Path(path))
    now = now or dt.datetime.now()
    locks = [lock for p in lock_files(workbook) if (lock := read_lock(p)) is not None]
    if not locks:
        raise UnlockRefused(f"{workbook.name} 没有锁文件，无需解除", f"{workbook.name} has no lock file; nothing to do")
    young = [lock for lock in locks if not lock.stale(settings.stale_lock_hours, now)]
    if young and not force:
        lock = young[0]
        raise UnlockRefused(
            f"锁文件 {lock.path.name}（{lock.who()}）只存在了 {format_age(lock.age(now))}，不到 "
            f"{settings.stale_lock_hours:g} 小时，文件可能正被打开；确认无人打开后可加 --force",
            f"lock file {lock.path.name} ({lock.who('en')}) is only {format_age(lock.age(now), 'en')} old, under "
            f"{settings.stale_lock_hours:g} h: the file may really be open; if you are sure nobody has it open, "
            "add --force",
        )
    removed = []
    for lock in locks:
        try:
            os.unlink(lock.path)
        except FileNotFoundError:
            continue  # closed meanwhile
        except OSError as exc:
            raise UnlockRefused(
                f"无法删除锁文件 {lock.path.name}：{os_reason_zh(exc)}（文件可能确实正被打开）",
                f"cannot remove lock file {lock.path.name}: {exc.strerror or exc} (the file may really be open)",
            ) from None
        removed.append((lock, format_age(lock.age(now))))
    return removed


__all__ = ["UnlockRefused", "WaitingWorkbook", "unlock", "waiting_workbooks"]
