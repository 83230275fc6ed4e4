"""The PostgreSQL engine of the store: one server many sites write to at once (psycopg 3).

The password comes from where libpq looks for it (``PGPASSWORD``, the file ``PGPASSFILE`` names, ``~/.pgpass``),
never from automation.toml. Migrations run at start-up under an advisory lock (sites starting together wait for
one another, and the store is migrated once). Version 1 also sets up isolation between sites:

* group roles ``automation_site`` (may publish) and ``automation_reader`` (may read everything: the head office);
* ``site_roles(role, site)``: which login role publishes as which site; an administrator fills it;
* row-level security on ``sites`` and ``workbooks``: a role writes only the rows of its own site(s); reading is
  open to both groups. ``bodies`` are addressed by their digest and believed only through a ``workbooks`` row, so
  a site may add any, and may remove only those no workbook points at.

The table owner (whoever ran the first start-up) is not bound by the policies; each site should have a role of
its own, made by the owner as the README shows (``CREATE ROLE … LOGIN``, ``GRANT automation_site``, a row of
``site_roles``).

Publishing holds a session advisory lock of the site while it runs, so two publications of one site never
interleave and the higher sequence number wins; the publication itself is ``SERIALIZABLE``, tried again after a
growing random pause when it loses to another site's. Reading happens in one ``REPEATABLE READ`` transaction, so it
sees whole snapshots. A server that does not answer is not asked again for :data:`UNREACHABLE_SECONDS`, so one
processing waits for its connection timeout once, not at every look-up.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import SCHEMA_VERSION, Publication, Stored, StoreError
from .sql import CREATE_V1, folders_in, latest_in, lookups_in, migrate, publish_in

CONNECT_SECONDS = 10
SERIAL_ATTEMPTS = 10
UNREACHABLE_SECONDS = 60.0
_unreachable: dict[str, tuple[float, StoreError]] = {}  # url -> (until, why)
MIGRATION_LOCK = 0x5354_4F52  # advisory lock key ("STOR")

ISOLATION_V1 = (
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'automation_site') THEN CREATE ROLE automation_site; END IF; "
    "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'automation_reader') THEN CREATE ROLE automation_reader; END IF; "
    "END $$",
    "CREATE TABLE site_roles (role TEXT NOT NULL, site TEXT NOT NULL, PRIMARY KEY (role, site))",
    "GRANT SELECT ON store_schema, site_roles, sites, workbooks, bodies TO automation_site, automation_reader",
    "GRANT INSERT, UPDATE, DELETE ON sites, workbooks TO automation_site",
    "GRANT INSERT, UPDATE, DELETE ON bodies TO automation_site",
    # A body is what its digest says, whoever writes it: no site can plant a wrong body under another's digest.
    "ALTER TABLE bodies ADD CONSTRAINT bodies_digest CHECK (sha256 = encode(sha256(body), 'hex'))",
    "ALTER TABLE sites ADD CONSTRAINT sites_meta_digest CHECK (meta_sha256 = encode(sha256(meta), 'hex'))",
    "ALTER TABLE sites ADD CONSTRAINT sites_lookups_digest CHECK (lookups_sha256 = encode(sha256(lookups), 'hex'))",
    "ALTER TABLE sites ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE workbooks ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE bodies ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY read_all ON sites FOR SELECT USING (true)",
    "CREATE POLICY read_all ON workbooks FOR SELECT USING (true)",
    "CREATE POLICY read_all ON bodies FOR SELECT USING (true)",
    "CREATE POLICY own_site ON sites FOR ALL TO automation_site "
    "USING (site IN (SELECT site FROM site_roles WHERE role = current_user)) "
    "WITH CHECK (site IN (SELECT site FROM site_roles WHERE role = current_user))",
    "CREATE POLICY own_site ON workbooks FOR ALL TO automation_site "
    "USING (site IN (SELECT site FROM site_roles WHERE role = current_user)) "
    "WITH CHECK (site IN (SELECT site FROM site_roles WHERE role = current_user))",
    "CREATE POLICY add_any ON bodies FOR INSERT TO automation_site WITH CHECK (true)",
    "CREATE POLICY repair_any ON bodies FOR UPDATE TO automation_site USING (true) WITH CHECK (true)",
    "CREATE POLICY remove_unused ON bodies FOR DELETE TO automation_site "
    "USING (NOT EXISTS (SELECT 1 FROM workbooks w WHERE w.sha256 = bodies.sha256))",
)
STEPS = (tuple(s.format(blob="BYTEA") for s in CREATE_V1) + ISOLATION_V1,)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError("未安装 PostgreSQL 驱动：请运行 pip install \"psycopg[binary]\"",
                         'the PostgreSQL driver is not installed: pip install "psycopg[binary]"') from None  # fmt: skip
    return psycopg


def _reason(exc: BaseException) -> str:
    """The server's or driver's own words, first line only (never the password: libpq does not echo it)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


class PostgresStore:
    def __init__(self, url: str) -> None:
        psycopg = _psycopg()
        self._errors = psycopg.Error
        self._retry = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)
        known = _unreachable.get(url)
        if known is not None and time.monotonic() < known[0]:
            raise known[1]
        try:
            self._db = psycopg.connect(url, connect_timeout=CONNECT_SECONDS, autocommit=False)
        except psycopg.Error as exc:
            problem = StoreError(f"无法连接中央存储（{_reason(exc)}）", f"cannot connect to the store ({_reason(exc)})")
            _unreachable[url] = (time.monotonic() + UNREACHABLE_SECONDS, problem)
            raise problem from None
        _unreachable.pop(url, None)
        try:
            with self._transaction() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                migrate(_Qmark(cur), SCHEMA_VERSION, STEPS, _has_schema_table)
        except StoreError:
            self.close()
            raise
        except psycopg.Error as exc:
            self.close()
            raise StoreError(f"中央存储无法使用（{_reason(exc)}）", f"the store cannot be used ({_reason(exc)})") from None

    @contextmanager
    def _transaction(self, isolation: str | None = None) -> Iterator[Any]:
        with self._db.transaction(), self._db.cursor() as cur:
            if isolation:
                cur.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
            yield cur

    def publish(self, publication: Publication) -> bool:
        try:
            with self._transaction() as cur:  # held by the session until released below
                cur.execute("SELECT pg_advisory_lock(hashtext(%s))", (publication.site,))
        except self._errors as exc:
            raise StoreError(f"写入中央存储失败（{_reason(exc)}）", f"writing to the store failed ({_reason(exc)})") from None
        try:
            return self._publish(publication)
        finally:
            with contextlib.suppress(Exception), self._transaction() as cur:
                cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", (publication.site,))

    def _publish(self, publication: Publication) -> bool:
        # SERIALIZABLE: a site removing the bodies nobody points at any more cannot remove one that another
        # site's concurrent publication has just decided to reuse; the loser of such a race is tried again.
        for attempt in range(SERIAL_ATTEMPTS):
            try:
                with self._transaction("SERIALIZABLE") as cur:
                    return publish_in(_Qmark(cur), publication, _body_intact)
            except StoreError:
                raise
            except self._retry as exc:
                if attempt == SERIAL_ATTEMPTS - 1:
                    raise StoreError(f"写入中央存储失败（{_reason(exc)}）", f"writing to the store failed ({_reason(exc)})") from None
                time.sleep(random.uniform(0, min(2.0, 0.01 * 2**attempt)))  # losers must not meet again at once
            except self._errors as exc:
                raise StoreError(f"写入中央存储失败（{_reason(exc)}）", f"writing to the store failed ({_reason(exc)})") from None
        raise AssertionError("unreachable")

    def latest(self) -> list[Stored]:
        try:
            with self._transaction("REPEATABLE READ READ ONLY") as cur:
                return latest_in(_Qmark(cur))
        except self._errors as exc:
            raise StoreError(f"读取中央存储失败（{_reason(exc)}）", f"reading the store failed ({_reason(exc)})") from None

    def folders(self) -> dict[str, tuple[str, ...]]:
        try:
            with self._transaction("REPEATABLE READ READ ONLY") as cur:
                return folders_in(_Qmark(cur))
        except self._errors as exc:
            raise StoreError(f"读取中央存储失败（{_reason(exc)}）", f"reading the store failed ({_reason(exc)})") from None

    def lookups(self) -> dict[str, bytes]:
        try:
            with self._transaction("REPEATABLE READ READ ONLY") as cur:
                return lookups_in(_Qmark(cur))
        except self._errors as exc:
            raise StoreError(f"读取中央存储失败（{_reason(exc)}）", f"reading the store failed ({_reason(exc)})") from None

    def close(self) -> None:
        db, self._db = getattr(self, "_db", None), None
        if db is not None:
            db.close()


class _Qmark:
    """A psycopg cursor that takes the ``?`` placeholders of :mod:`.sql`."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def execute(self, query: str, params: tuple[object, ...] = ()) -> None:
        self._cur.execute(query.replace("?", "%s") if params else query, params or None)

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> Any:
        return self._cur.fetchall()


def _body_intact(cur: _Qmark, digest: str) -> bool | None:
    """Checked on the server: the body does not travel (the digest constraint keeps it right anyway)."""
    cur.execute("SELECT encode(sha256(body), 'hex') = sha256 FROM bodies WHERE sha256 = ?", (digest,))
    row = cur.fetchone()
    return None if row is None else bool(row[0])


def _has_schema_table(cur: _Qmark) -> bool:
    cur.execute("SELECT to_regclass('store_schema') IS NOT NULL")
    return bool(cur.fetchone()[0])
