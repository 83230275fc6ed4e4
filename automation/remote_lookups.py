"""What a branch site looks up at the head office, through the store (issue 17).

A branch's registers are checked against the head office's 基础资料 (staff list, calendar overrides) and
客户档案 (customer codes and names). On a company root those are read from the 总部 folder next door; a branch
site on its own server has no such folder, so the head-office site publishes the sheets the lookups need with its
snapshot, and a branch site whose root lacks them reads them from the store (:meth:`Deployment.register_tables`).

What travels: 员工 and 节假日调整 whole (names, posts, units, dates: nothing private), and of 客户 only 客户代码 and
客户名称 — never a phone number or an address (信息 第六条). Values go as the head office read them (typed), and
are read back into tables through the register model, so the branch's rules see what they would see next door.
The last answer is kept in ``.automation/store/lookups.json`` for a day without the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .registers import REGISTERS
from .settings import Settings
from .store import StoreError, open_store, site_dir
from .xlsx.table import Table, build_table

# (register, sheet) -> the columns published (None: every column of the sheet's model)
SHARED: dict[tuple[str, str], tuple[str, ...] | None] = {
    ("master", "员工"): None,
    ("master", "节假日调整"): None,
    ("customers", "客户"): ("客户代码", "客户名称"),
}
KEPT_FILE = "lookups.json"
VERSION = 1

RemoteTables = dict[tuple[str, str], list[Table]]


def _value(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "to_pydatetime"):  # a pandas timestamp
        value = value.to_pydatetime()  # type: ignore[attr-defined]
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, bool | str | int | float):
        return value
    return str(value)


def encode(tables: Callable[[str, str], Sequence[Table]]) -> bytes:
    """The shared sheets of the head office (``tables(register, sheet)``: its tables of that sheet), as JSON."""
    body: dict[str, object] = {"version": VERSION}
    for (register, sheet), columns in SHARED.items():
        model = REGISTERS[register].sheet(sheet)
        wanted = list(columns or model.headers)
        files = []
        for table in tables(register, sheet):
            data = table.data[wanted]
            files.append([[_value(v) for v in row] for row in data.itertuples(index=False, name=None)])
        body[f"{register}/{sheet}"] = {"columns": wanted, "files": files}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cell(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"$t"} and type(value["$t"]) is str:
        return dt.datetime.fromisoformat(value["$t"])
    if value is None:
        return ""
    if type(value) in (str, int, float, bool):
        return value
    raise ValueError("a shared lookup value")


def decode(data: bytes, site: str) -> RemoteTables:
    """Tables (one per published file) of the shared sheets; ValueError for anything but what :func:`encode`
    writes."""
    body = json.loads(data.decode("utf-8"))
    if type(body) is not dict or body.get("version") != VERSION:
        raise ValueError("shared lookups of another version")
    out: RemoteTables = {}
    for (register, sheet), _ in SHARED.items():
        part = body[f"{register}/{sheet}"]
        columns = part["columns"]
        if type(columns) is not list or not all(type(c) is str for c in columns):
            raise ValueError("columns")
        model = REGISTERS[register].sheet(sheet)
        out[(register, sheet)] = [
            build_table(f"{site}：{REGISTERS[register].file_name}", sheet, [columns, *([_cell(v) for v in row] for row in rows)], model)
            for rows in part["files"]
        ]
    return out


def _kept(root: Path) -> Path:
    return site_dir(root) / KEPT_FILE


def remote_tables(root: Path, settings: Settings) -> tuple[RemoteTables, str]:
    """The head office's shared tables as the store has them, and their digest ("" when there are none): those
    of the site that holds the head-office folder. From the store when it answers with something readable (then
    kept), else the last answer kept. Never raises."""
    fresh = None
    try:
        store = open_store(root, settings)
        try:
            published, folders = store.lookups(), store.folders()
        finally:
            store.close()
        holders = sorted(site for site in published if settings.head_office in folders.get(site, ()))
        if holders:
            fresh = holders[0], published[holders[0]]
    except StoreError:
        pass
    if fresh is not None:
        try:
            answer = _decoded(*fresh)
        except Exception:  # noqa: BLE001 - unreadable: the last good answer stands
            fresh = None
        else:
            _keep(root, *fresh)
            return answer
    site, data = _read_kept(root)
    if not data:
        return {}, ""
    try:
        return _decoded(site, data)
    except Exception:  # noqa: BLE001 - a damaged kept file is no answer
        return {}, ""


# The last answer decoded, by digest: a processing asks twice (its facts' cache keys, then its look-ups), and the
# watcher at every save; the tables are only read.
_last: tuple[str, RemoteTables] | None = None


def _decoded(site: str, data: bytes) -> tuple[RemoteTables, str]:
    global _last
    digest = hashlib.sha256(site.encode("utf-8") + b"\0" + data).hexdigest()
    if _last is None or _last[0] != digest:
        _last = (digest, decode(data, site))
    return _last[1], hashlib.sha256(data).hexdigest()


def _keep(root: Path, site: str, data: bytes) -> None:
    """Keep an answer that decoded (so it is UTF-8 JSON) for a day without the store."""
    path = _kept(root)
    text = json.dumps({"site": site, "lookups": data.decode("utf-8")}, ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    except OSError:
        pass  # only a fallback for a day without the store


def _read_kept(root: Path) -> tuple[str, bytes]:
    try:
        kept = json.loads(_kept(root).read_text(encoding="utf-8"))
        return str(kept["site"]), str(kept["lookups"]).encode("utf-8")
    except (OSError, ValueError, KeyError, TypeError):
        return "", b""


__all__ = ["SHARED", "decode", "encode", "remote_tables"]
