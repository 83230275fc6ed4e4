"""The SQLite engine of the store: one file (``.automation/store.sqlite`` by default), nothing to install.

Publications are written in ``BEGIN IMMEDIATE`` transactions (one writer at a time; others wait up to
:data:`BUSY_SECONDS`), reads see one committed state (write-ahead log). SQLite is meant for one machine: on a
network share its locking cannot be trusted, which is what the PostgreSQL engine is for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import SCHEMA_VERSION, Publication, Stored, StoreError
from .sql import CREATE_V1, folders_in, latest_in, lookups_in, migrate, publish_in

BUSY_SECONDS = 30.0
STEPS = (tuple(s.format(blob="BLOB") for s in CREATE_V1),)


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._transaction(immediate=True) as cur:
                migrate(cur, SCHEMA_VERSION, STEPS, _has_schema_table)
        except (sqlite3.Error, OSError, StoreError) as exc:
            self.close()
            if isinstance(exc, StoreError):
                raise
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise StoreError(f"无法打开中央存储 {path.name}（{reason}）", f"cannot open the store {path.name} ({reason})") from None

    @contextmanager
    def _transaction(self, *, immediate: bool) -> Iterator[sqlite3.Cursor]:
        assert self._db is not None, "closed"
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    def publish(self, publication: Publication) -> bool:
        try:
            with self._transaction(immediate=True) as cur:
                return publish_in(cur, publication)
        except sqlite3.Error as exc:
            raise StoreError(f"写入中央存储失败（{exc}）", f"writing to the store failed ({exc})") from None

    def latest(self) -> list[Stored]:
        try:
            with self._transaction(immediate=False) as cur:
                return latest_in(cur)
        except sqlite3.Error as exc:
            raise StoreError(f"读取中央存储失败（{exc}）", f"reading the store failed ({exc})") from None

    def folders(self) -> dict[str, tuple[str, ...]]:
        try:
            with self._transaction(immediate=False) as cur:
                return folders_in(cur)
        except sqlite3.Error as exc:
            raise StoreError(f"读取中央存储失败（{exc}）", f"reading the store failed ({exc})") from None

    def lookups(self) -> dict[str, bytes]:
        try:
            with self._transaction(immediate=False) as cur:
                return lookups_in(cur)
        except sqlite3.Error as exc:
            raise StoreError(f"读取中央存储失败（{exc}）", f"reading the store failed ({exc})") from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _has_schema_table(cur: sqlite3.Cursor) -> bool:
    cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_schema'")
    return cur.fetchone() is not None
