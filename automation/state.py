"""The product's memory of each workbook, in SQLite under ``<root>/.automation/state.sqlite3``.

One row per workbook (path relative to the root): the content hash that was checked, the hash we wrote (so the
watcher recognises its own saves), when it was processed, its problem counts, and whether results were written or
why not. The watcher uses it to catch up after a restart; the summary shows it in 数据状态.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .root import STATE_DIR

if TYPE_CHECKING:
    from .pipeline import WorkbookReport

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
    error TEXT
)
"""


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
    reason: str | None  # why results were not written (e.g. open in Excel); None when written
    error: str | None  # why the workbook could not be read at all

    def knows(self, sha256: str) -> bool:
        """Whether content with this hash was already processed (checked, or written by us)."""
        return sha256 in (self.sha256, self.written_sha256)


class State:
    """Access to the state database of one root; every call opens and closes its own connection."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / STATE_DIR / "state.sqlite3"

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # Only .automation is created, never the root: a vanished root (a share gone away) must stay gone.
        self.path.parent.mkdir(exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            db.execute(SCHEMA)
            with db:
                yield db

    def key(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def save(self, record: Record) -> None:
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO workbook VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (record.path, record.register, record.branch, record.sha256, record.written_sha256, record.modified,
                 record.processed, record.errors, record.warnings, int(record.written), record.reason, record.error),
            )

    def get(self, path: Path | str) -> Record | None:
        key = path if isinstance(path, str) else self.key(path)
        with self._db() as db:
            row = db.execute("SELECT * FROM workbook WHERE path = ?", (key,)).fetchone()
        return _record(row) if row else None

    def all(self) -> list[Record]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM workbook ORDER BY path").fetchall()
        return [_record(r) for r in rows]

    def forget(self, path: Path | str) -> None:
        key = path if isinstance(path, str) else self.key(path)
        with self._db() as db:
            db.execute("DELETE FROM workbook WHERE path = ?", (key,))


def _record(row: tuple) -> Record:
    return Record(
        path=row[0], register=row[1], branch=row[2], sha256=row[3], written_sha256=row[4], modified=row[5],
        processed=row[6], errors=row[7], warnings=row[8], written=bool(row[9]), reason=row[10], error=row[11],
    )


def record_of(report: WorkbookReport, root: Path, processed: dt.datetime | None = None) -> Record:
    """The state record of a processed workbook."""
    path = report.path
    try:
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        modified = None
    return Record(
        path=State(root).key(path),
        register=report.register,
        branch=report.branch,
        sha256=report.sha256,
        written_sha256=report.written_sha256,
        modified=modified,
        processed=(processed or dt.datetime.now()).isoformat(timespec="seconds"),
        errors=report.errors,
        warnings=report.warnings,
        written=report.written,
        reason=report.reason,
        error=report.error_zh,
    )
