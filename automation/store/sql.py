"""The store's tables and the two operations on them, in SQL both engines speak (``?`` placeholders; the
PostgreSQL engine turns them into ``%s``).

Tables (version 1):

* ``store_schema(version)``: the one row says which migrations were applied;
* ``sites``: one row per site: its origin (the random id of the root that publishes as it), the sequence number
  and time of its latest publication, its folders, its own lines (``meta``) and, at the head-office site, the
  look-ups branches need (``lookups``), each with its digest;
* ``workbooks``: the site's workbooks in that publication, each pointing at a body by digest;
* ``bodies``: the facts, stored once per digest (an unchanged workbook is not sent twice over a slow line; a body
  no workbook points at any more is removed by the publication that stopped pointing at it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from . import Publication, Stored, StoreError, sha256

# Each engine runs the statements of every version above the store's own, in order, in one transaction.
CREATE_V1 = (
    "CREATE TABLE sites (site TEXT PRIMARY KEY, origin TEXT NOT NULL, seq BIGINT NOT NULL, "
    "published_at TEXT NOT NULL, folders TEXT NOT NULL, meta {blob} NOT NULL, meta_sha256 TEXT NOT NULL, "
    "lookups {blob} NOT NULL, lookups_sha256 TEXT NOT NULL)",
    "CREATE TABLE bodies (sha256 TEXT PRIMARY KEY, body {blob} NOT NULL)",
    "CREATE TABLE workbooks (site TEXT NOT NULL REFERENCES sites(site), path TEXT NOT NULL, "
    "sha256 TEXT NOT NULL REFERENCES bodies(sha256), PRIMARY KEY (site, path))",
    "CREATE INDEX workbooks_by_body ON workbooks (sha256)",
)

Cursor = Any  # a DB-API cursor of either engine


def newer_schema(found: int, ours: int) -> StoreError:
    return StoreError(
        f"中央存储的结构版本为 {found}，比本程序支持的 {ours} 新；请先升级本程序",
        f"the store's schema is version {found}, newer than this program's {ours}; upgrade the program first",
    )


def collision(site: str) -> StoreError:
    return StoreError(
        f"站点名称「{site}」已被另一个根目录使用；请在 automation.toml 的 [site] name 中改用其他名称"
        f"（如是本站点的根目录重建了，请管理员在中央存储中删除站点「{site}」的记录）",
        f"the site name '{site}' is already used by another root; choose another [site] name in automation.toml "
        f"(if this site's root was rebuilt, have the store's administrator delete the rows of site '{site}')",
    )


def body_intact_here(cur: Cursor, digest: str) -> bool | None:
    """Whether the stored body of ``digest`` still has that digest, checked here (None: no such body)."""
    cur.execute("SELECT body FROM bodies WHERE sha256 = ?", (digest,))
    row = cur.fetchone()
    return None if row is None else sha256(bytes(row[0])) == digest


def publish_in(cur: Cursor, publication: Publication,
               body_intact: Callable[[Cursor, str], bool | None] = body_intact_here) -> bool:  # fmt: skip
    """The snapshot written through ``cur`` inside the caller's transaction (see :meth:`Store.publish`).
    ``body_intact`` tells whether a stored body still matches its digest (an engine may check on the server,
    so that the body does not travel); a damaged one is replaced."""
    p = publication
    cur.execute("SELECT origin, seq FROM sites WHERE site = ?", (p.site,))
    row = cur.fetchone()
    if row is not None and row[0] != p.origin:
        raise collision(p.site)
    if row is not None and int(row[1]) >= p.seq:
        return False
    stamp = p.published_at.isoformat(timespec="seconds")
    folders = json.dumps(list(p.folders), ensure_ascii=False)
    values = (p.origin, p.seq, stamp, folders, p.meta, sha256(p.meta), p.lookups, sha256(p.lookups), p.site)
    if row is None:
        cur.execute("INSERT INTO sites (origin, seq, published_at, folders, meta, meta_sha256, lookups, lookups_sha256, "
                    "site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)  # fmt: skip
    else:
        cur.execute("UPDATE sites SET origin = ?, seq = ?, published_at = ?, folders = ?, meta = ?, meta_sha256 = ?, "
                    "lookups = ?, lookups_sha256 = ? WHERE site = ?", values)  # fmt: skip
    cur.execute("SELECT sha256 FROM workbooks WHERE site = ?", (p.site,))
    before = {r[0] for r in cur.fetchall()}
    cur.execute("DELETE FROM workbooks WHERE site = ?", (p.site,))
    digests = p.digests()
    for path, body in p.bodies.items():
        digest = digests[path]
        # Only a body the store lacks (or holds damaged) travels: an unchanged workbook costs one short query.
        intact = body_intact(cur, digest)
        if intact is None:
            cur.execute("INSERT INTO bodies (sha256, body) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING", (digest, body))
        elif not intact:
            cur.execute("UPDATE bodies SET body = ? WHERE sha256 = ?", (body, digest))
        cur.execute("INSERT INTO workbooks (site, path, sha256) VALUES (?, ?, ?)", (p.site, path, digest))
    # The bodies only the previous snapshot pointed at go with it (looked up one by one: a site never scans
    # the other sites' rows, so concurrent publications of different sites do not conflict).
    for digest in sorted(before - set(digests.values())):
        cur.execute("DELETE FROM bodies WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM workbooks WHERE sha256 = ?)",
                    (digest, digest))  # fmt: skip
    return True


def latest_in(cur: Cursor) -> list[Stored]:
    """Every site's latest snapshot, read through ``cur`` inside the caller's (read) transaction."""
    cur.execute("SELECT site, origin, seq, published_at, folders, meta, meta_sha256 FROM sites")
    sites = cur.fetchall()
    cur.execute("SELECT w.site, w.path, w.sha256, b.body FROM workbooks w LEFT JOIN bodies b ON b.sha256 = w.sha256")
    bodies: dict[str, list[tuple[str, str, bytes | None]]] = {}
    for site, path, digest, body in cur.fetchall():
        bodies.setdefault(site, []).append((path, digest, None if body is None else bytes(body)))
    out = []
    # Sites and paths in code-point order, whatever the database's collation.
    for site, origin, seq, published, folders, meta, meta_digest in sorted(sites, key=lambda r: r[0]):
        meta = bytes(meta)
        damaged = [] if sha256(meta) == meta_digest else ["meta"]
        kept = {}
        for path, digest, body in sorted(bodies.get(site, ()), key=lambda b: b[0]):
            if body is None or sha256(body) != digest:
                damaged.append(path)
            else:
                kept[path] = body
        publication = Publication(site=site, origin=origin, seq=int(seq), published_at=_when(published),
                                  meta=meta if "meta" not in damaged else b"", folders=_folders(folders),
                                  bodies=kept)  # fmt: skip
        out.append(Stored(publication, tuple(damaged)))
    return out


def lookups_in(cur: Cursor) -> dict[str, bytes]:
    """Site -> the look-ups it published, of those that still match their digest."""
    cur.execute("SELECT site, lookups, lookups_sha256 FROM sites")
    out = {}
    for site, blob, digest in cur.fetchall():
        data = bytes(blob) if blob is not None else b""
        if data and sha256(data) == digest:
            out[site] = data
    return out


def folders_in(cur: Cursor) -> dict[str, tuple[str, ...]]:
    cur.execute("SELECT site, folders FROM sites")
    return {site: _folders(folders) for site, folders in cur.fetchall()}


def _folders(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return ()
    return tuple(f for f in value if type(f) is str) if type(value) is list else ()


def _when(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return dt.datetime.min


def migrate(cur: Cursor, ours: int, steps: Sequence[Sequence[str]], exists: Callable[[Cursor], bool]) -> None:
    """Apply the steps above the store's version (``steps[0]`` makes version 1), inside the caller's transaction;
    StoreError when the store is newer than ``ours``."""
    if not exists(cur):
        cur.execute("CREATE TABLE store_schema (version INTEGER NOT NULL)")
        cur.execute("INSERT INTO store_schema (version) VALUES (0)")
    cur.execute("SELECT version FROM store_schema")
    found = int(cur.fetchone()[0])
    if found > ours:
        raise newer_schema(found, ours)
    for version in range(found + 1, ours + 1):
        for statement in steps[version - 1]:
            cur.execute(statement)
    if found < ours:
        cur.execute("UPDATE store_schema SET version = ?", (ours,))
