"""The central store: what each site publishes for the head-office summary, behind one small interface.

A company whose branches keep their registers on their own servers runs the product once per *site* (a root
that holds some of the company's folders, ``[site]`` in automation.toml). After each processing a site publishes a
:class:`Publication`: the summary's facts of every workbook it holds (:mod:`automation.summary.collect`, the same
bytes as its summary cache, which already hide addresses and phone numbers) and its rows of 数据状态. The head
office builds 汇总.xlsx from the latest publication of every site (:mod:`automation.summary.sites`).

A publication is a whole snapshot of its site, stored in one transaction: a reader sees the previous snapshot or
the new one, never half, and a workbook the site no longer holds disappears with the snapshot that lacks it. Each
carries a sequence number that only grows (the site's clock in microseconds, made strictly increasing), so a
publication that arrives late never replaces a newer one. Every body is stored under its SHA-256, checked again
when it is read.

Two engines, one :class:`Store` protocol: SQLite (``.automation/store.sqlite`` by default, nothing to install; a
file for one machine, not for a share) and PostgreSQL (``[store] url = "postgresql://…"``, for many sites).
Passwords never come from automation.toml: the PostgreSQL driver reads them from the environment
(``PGPASSWORD``, ``PGPASSFILE``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ..problems import BilingualError
from ..root import STATE_DIR

if TYPE_CHECKING:
    from ..settings import Settings

SQLITE_FILE = "store.sqlite"
SITE_DIR = "store"  # ROOT/.automation/store/: this site's id, its outbox, the folders last read from the store
FOLDERS_FILE = "folders.json"
SCHEMA_VERSION = 1  # of the tables; each engine applies its migrations up to this at start-up


class StoreError(BilingualError):
    """The store cannot be used (unreachable, refused, made by a newer version); one line in each language."""


@dataclass(frozen=True)
class Publication:
    """One site's snapshot: every workbook it holds (path relative to the root → body) and its 数据状态 (meta)."""

    site: str
    origin: str  # random id of the root that publishes as ``site``: two roots claiming one name are told apart
    seq: int  # grows with every publication of the site; the store keeps the highest
    published_at: dt.datetime
    meta: bytes  # the site's own lines (automation.summary.sites): branches, 数据状态 rows
    folders: tuple[str, ...] = ()  # the head-office and branch folders the site holds
    lookups: bytes = b""  # what branch sites look up at the head office (automation.remote_lookups); "" elsewhere
    bodies: Mapping[str, bytes] = field(default_factory=dict)  # path -> facts as the summary cache frames them

    def digests(self) -> dict[str, str]:
        return {path: sha256(body) for path, body in self.bodies.items()}


@dataclass(frozen=True)
class Stored:
    """A publication as the store gives it back; ``damaged`` names the parts whose digest did not match."""

    publication: Publication
    damaged: tuple[str, ...] = ()


class Store(Protocol):
    """What the product asks of a store engine."""

    def publish(self, publication: Publication) -> bool:
        """Store the snapshot in one transaction; False (nothing changed) when the site already has one with
        this or a higher sequence number. StoreError when it cannot, or when another root publishes as this
        site."""
        ...

    def latest(self) -> list[Stored]:
        """The latest snapshot of every site, read in one transaction, bodies checked against their digests."""
        ...

    def folders(self) -> dict[str, tuple[str, ...]]:
        """Site -> the folders it holds, as of its latest snapshot (a short read: no bodies)."""
        ...

    def lookups(self) -> dict[str, bytes]:
        """Site -> the lookups it published (the head-office site's staff list, calendar and customer codes)."""
        ...

    def close(self) -> None: ...


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_url(url: str) -> tuple[str, str] | None:
    """Why ``url`` cannot name a store, as (zh, en); None when it can."""
    text = url.strip()
    if not text or text.startswith("sqlite:") or "://" not in text:
        return None
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError:
        return ("存储地址中的端口号无效", "the store address has an invalid port")
    if parts.scheme not in ("postgresql", "postgres"):
        return (f"不支持的存储地址 {parts.scheme}://（可用：SQLite 文件路径，或 postgresql://…）",
                f"unsupported store address {parts.scheme}:// (use a SQLite file path, or postgresql://…)")  # fmt: skip
    if parts.password:
        return ("密码不能写在 automation.toml 中（请用环境变量 PGPASSWORD 或 PGPASSFILE 指定的文件）",
                "the password must not be in automation.toml (use PGPASSWORD, or the file PGPASSFILE names)")  # fmt: skip
    return None


def sqlite_path(root: Path, url: str) -> Path:
    """The SQLite file a url names (relative paths are relative to the root)."""
    text = url.strip()
    if not text:
        return root / STATE_DIR / SQLITE_FILE
    if text.startswith("sqlite:"):
        text = text.removeprefix("sqlite:").removeprefix("//")
    path = Path(text)
    return path if path.is_absolute() else root / path


def is_postgresql(url: str) -> bool:
    return urlsplit(url.strip()).scheme in ("postgresql", "postgres")


def open_store(root: Path, settings: Settings | None = None, *, url: str | None = None) -> Store:
    """The store of ``root``'s settings (or of ``url``); StoreError when it cannot be opened."""
    address = url if url is not None else (settings.store_url if settings is not None else "")
    if is_postgresql(address):
        from .postgres import PostgresStore

        return PostgresStore(address)
    from .sqlite import SqliteStore

    return SqliteStore(sqlite_path(root, address))


def site_dir(root: Path) -> Path:
    """``.automation/store/``: this site's id, its outbox, and what it last read from the store."""
    return root / STATE_DIR / SITE_DIR


def is_branch_site(settings: Settings) -> bool:
    """The root is one site of several and does not hold the head office: what it looks up there comes from the
    store, and it writes no summary of its own."""
    return bool(settings.site_folders) and settings.head_office not in settings.site_folders


def is_head_office_site(settings: Settings) -> bool:
    """The root is the head office's site of a company whose branches are sites of their own: its summary is
    built from the store (after it has published its own folders)."""
    return bool(settings.site_folders) and settings.head_office in settings.site_folders


def queued(root: Path) -> list[Path]:
    """The snapshots waiting in the site's outbox (``.automation/store/*.pub``), oldest first; each is named by
    its sequence number (microseconds since the epoch, unless the clock was set back)."""
    try:
        return sorted(p for p in site_dir(root).iterdir() if p.suffix == ".pub" and not p.name.startswith("."))
    except OSError:
        return []


def company_folders(root: Path, settings: Settings) -> frozenset[str]:
    """The folders every site of the company holds, as the store knows them: a site validates its staff list's
    所属单位 against the whole company, not only its own folders. The last answer is kept in
    ``.automation/store/folders.json``; when the store cannot be reached, that answer stands (empty at first)."""
    import json

    kept = site_dir(root) / FOLDERS_FILE
    try:
        store = open_store(root, settings)
        try:
            found = sorted({f for folders in store.folders().values() for f in folders})
        finally:
            store.close()
    except StoreError:
        try:
            known = json.loads(kept.read_text(encoding="utf-8"))
            return frozenset(f for f in known if type(f) is str) if type(known) is list else frozenset()
        except (OSError, ValueError):
            return frozenset()
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        if not kept.is_file() or kept.read_text(encoding="utf-8") != json.dumps(found, ensure_ascii=False):
            kept.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass  # only a fallback for a later day without the store
    return frozenset(found)


def describe(url: str, root: Path) -> str:
    """The store's address for messages: never a password."""
    if is_postgresql(url):
        parts = urlsplit(url.strip())
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ""
        return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
    return str(sqlite_path(root, url))


__all__ = [
    "SCHEMA_VERSION",
    "Publication",
    "Store",
    "StoreError",
    "Stored",
    "check_url",
    "describe",
    "is_branch_site",
    "is_head_office_site",
    "open_store",
    "queued",
    "sha256",
    "site_dir",
    "sqlite_path",
]
