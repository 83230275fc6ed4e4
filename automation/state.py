"""The product's memory of each workbook, in SQLite under ``<root>/.automation/state.sqlite3``.

One row per workbook (path relative to the root): the content hash that was checked, the hash we wrote (so the
watcher recognises its own saves), when it was processed, its problem counts, and what became of the write-back
(``code``: written, results already current, waiting for a lock, read-only, a disk or share problem, ...) with the
reason in words. The watcher uses it to catch up after a restart; ``automation status`` and the summary's 数据状态
show it.

A database that cannot be written (disk full, read-only share) raises :class:`StateError` with a plain one-line
message; the caller decides whether to retry.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from .problems import BilingualError, os_reason_zh
from .root import STATE_DIR

SCHEMA = """
CREATE TABLE IF NOT EXISTS workbook (
    path TEXT PRIMARY KEY,
    register TEXT,
    branch TEXT,
    sha256 TEXT,
    written_sha256 TEXT,
    modified TEXT,
    processed TEXT,
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    written INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    error TEXT,
    code TEXT
)
"""
# Columns added after the first release, created in older databases on first use.
MIGRATIONS = {"code": "ALTER TABLE workbook ADD COLUMN code TEXT"}


class StateError(BilingualError):
    """The state database cannot be read or written."""


@dataclass(frozen=True)
class Record:
    path: str  # relative to the root, "/" separators
    register: str | None
    branch: str | None
    sha256: str | None
    written_sha256: str | None
    modified: str | None  # ISO time of the file's last modification when processed
    processed: str | None  # ISO time of processing
    errors: int
    warnings: int
    written: bool
    reason: str | None  # why results were not written (e.g. open in Excel); None when written or current
    error: str | None  # why the workbook could not be read at all
    code: str | None = None  # the write-back's outcome code (automation.writeback.WriteResult.code)

    def knows(self, sha256: str) -> bool:
        """Whether content with this hash was already processed (checked, or written by us)."""
        return sha256 in (self.sha256, self.written_sha256)


_COLUMNS = [f.name for f in fields(Record)]


def _state_error(exc: sqlite3.Error | OSError) -> StateError:
    text = str(exc).lower()
    if "disk is full" in text or getattr(exc, "errno", None) == errno.ENOSPC or getattr(
            exc, "sqlite_errorname", "") == "SQLITE_FULL":
        return StateError("磁盘空间不足，无法更新状态记录（.automation/state.sqlite3）",
                          "Disk full: the state database (.automation/state.sqlite3) cannot be updated")
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return StateError("状态记录（.automation/state.sqlite3）只读或没有写入权限",
                          "The state database (.automation/state.sqlite3) is read-only or not writable")
    reason = os_reason_zh(exc) if isinstance(exc, OSError) else f"数据库错误（{type(exc).__name__}）"
    return StateError(f"无法读写状态记录（.automation/state.sqlite3）：{reason}",
                      f"Cannot use the state database (.automation/state.sqlite3): {exc}")


class State:
    """Access to the state database of one root; every call opens and closes its own connection."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / STATE_DIR / "state.sqlite3"

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            # Only .automation is created, never the root: a vanished root (a share gone away) must stay gone.
            self.path.parent.mkdir(exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db:
                db.execute(SCHEMA)
                present = {row[1] for row in db.execute("PRAGMA table_info(workbook)")}
                for column, statement in MIGRATIONS.items():
                    if column not in present:
                        db.execute(statement)
                with db:
                    yield db
        except (sqlite3.Error, OSError) as exc:
            raise _state_error(exc) from exc

    def key(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def save(self, record: Record) -> None:
        values = list(astuple(record))
        values[_COLUMNS.index("written")] = int(record.written)
        with self._db() as db:
            db.execute(
                f"INSERT OR REPLACE INTO workbook ({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})",
                values,
            )

    def get(self, path: Path | str) -> Record | None:
        key = path if isinstance(path, str) else self.key(path)
        with self._db() as db:
            row = db.execute(f"SELECT {','.join(_COLUMNS)} FROM workbook WHERE path = ?", (key,)).fetchone()
        return _record(row) if row else None  # None too for a row that is not what we write

    def all(self) -> list[Record]:
        with self._db() as db:
            rows = db.execute(f"SELECT {','.join(_COLUMNS)} FROM workbook ORDER BY path").fetchall()
        return [record for record in map(_record, rows) if record is not None]

    def forget(self, path: Path | str) -> None:
        key = path if isinstance(path, str) else self.key(path)
        with self._db() as db:
            db.execute("DELETE FROM workbook WHERE path = ?", (key,))


_COUNTS = ("errors", "warnings", "written")


def _record(row: tuple) -> Record | None:
    """The record of a row, or None for a row holding what this module never writes (the database is on a share
    every clerk can write to: text where a count belongs, a blob, a missing path): like a missing row, it only
    costs processing that workbook again, never a crash further on."""
    values = dict(zip(_COLUMNS, row, strict=True))
    if type(values["path"]) is not str or any(type(values[c]) is not int for c in _COUNTS):
        return None
    if any(type(v) not in (str, type(None)) for c, v in values.items() if c not in _COUNTS):
        return None
    values["written"] = bool(values["written"])
    return Record(**values)


__all__ = ["Record", "State", "StateError"]
