"""What the head-office summary needs from each workbook (its *facts*), and the incremental cache of them (§8).

A workbook's :class:`WorkbookFacts` are made once, when it is processed: its problem counts, the rows it
contributes to every detail sheet (:func:`~automation.summary.build.workbook_rows`, from its job results and
problems), and for a call-in register the calls and fees per day (from its 叫修登记 table). Customer addresses and
phone numbers never get in: 次日优先派工's 地址 and 电话 are not among the summary's columns, and a problem in an
address/phone/fax/postcode/e-mail column has its value hidden.

Incremental builds. Facts are stored as JSON under ``<root>/.automation/summary-cache/`` (one file per workbook,
written atomically; see "the cache" below). Every clerk can write there, so nothing in it can run code (no pickle)
and nothing is believed unchecked: a file that is damaged, of another version, foreign, or holds anything but exactly
what facts hold is a miss, and the workbook is read again. Facts are kept under a key made of

* the workbook's content hash (of the bytes on disk; remembered by size, mtime and ctime so an unchanged file is not
  even hashed again; the hash after our own write-back — ``written_sha256`` from the reports and the state database —
  counts as the content that was checked, so writing results back invalidates nothing);
* the settings, the product version, the facts' layout (:data:`CACHE_VERSION`), the as-of *day*;
* for every workbook its validation looks things up in (:data:`DEPENDS`: master data and the customer archive at head
  office, the same branch's contracts, call-ins and items), that workbook's *exports*: a digest of just what is
  looked up (staff and calendar overrides; 客户代码→客户名称; contract numbers, customers and periods; the set of
  登记号). So a new contact or correspondence row in the customer archive re-reads nothing else, and editing a call
  re-reads only that register, while a new call also re-checks that branch's items and daily work.

A build processes, without writing anything back, first every workbook whose own content (or settings, day,
version) changed, then every other workbook whose lookups' exports changed; all others come from the cache. When
there is much to process (a first build, a new day: at least :data:`PARALLEL_MIN_BYTES` of workbooks) the folders are
spread over worker processes (spawned, at most one per CPU and :data:`MAX_WORKERS`, limited by the environment
variable ``AUTOMATION_SUMMARY_WORKERS``; never in a frozen executable or under a script without a main guard), each
with its own deployment; otherwise, and whenever workers cannot be started, it all happens in this process. Choice: facts computed earlier on the same as-of day are reused, so time-dependent figures (an open call
turning late, hours remaining) are as of when that workbook was last processed (数据状态 shows when); the first build
of a new day reads everything again, and ``automation run`` always processes everything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..deployment import Deployment, LoadedWorkbook
from ..jobs.contracts import renewal_decisions
from ..jobs.customers import overdue_contacts
from ..jobs.daily import CHAIN as CHAIN_JOB
from ..jobs.daily import MISSING_KINDS
from ..jobs.dispatch import receivable
from ..jobs.survey import SURVEY as SURVEY_SHEET
from ..jobs.survey import satisfaction_counts
from ..pipeline import WorkbookReport, process_workbook
from ..problems import Problem, Severity
from ..root import STATE_DIR, Source, register_by_name
from ..settings import Settings
from ..state import Record, State
from ..validators.context import CALL_WORK_LOOKUP, CONTRACT_LOOKUP, EQUIPMENT_LOOKUP, REPAIR_WORK_LOOKUP
from ..xlsx.sheet_xml import Link
from ..xlsx.table import Table
from .build import (
    DAILY,
    DAILY_SORT_COLUMN,
    DETAILS,
    PROBLEMS,
    STATUS,
    link_target,
    workbook_rows,
)
from .facts import WorkbookFacts, WorkbookRows

CACHE_DIR = "summary-cache"
# The layout and meaning of the facts; bumped whenever what they hold changes, so older cache files are misses
# (3: 超时明细 holds every open overdue call, 服务费 counts only A calls whose fee cell has no error; 4: 续约提醒 says
# when a notice was sent late, call-ins look up the contracts' state and models; 5: 应收未收, 续约率 and
# 重要客户超期未联系 of issue 15; 6: 日报缺失 and the month's survey, and the worklog's new lookups).
CACHE_VERSION = 6
CALLS_SHEET = "叫修登记"
CONTRACTS_SHEET = "保养合同"
REMINDERS_SHEET = "客户维护提醒"
CHAIN_SHEET = CHAIN_JOB.name
FEE = "服务费"

# register key -> the registers its validation looks up (Deployment.lookups); master/customers at head office,
# the others in the workbook's own folder.
DEPENDS: dict[str, tuple[str, ...]] = {
    "master": ("master",),
    "customers": ("master", "customers"),
    "demand": ("master",),
    "callins": ("master", "customers", "callins", "contracts", "items"),
    "items": ("master", "callins", "items"),
    "worklog": ("master", "callins", "items"),  # 日报缺失: who worked on calls and repaired items, which day
    "contracts": ("master", "customers", "contracts"),
}
HEAD_OFFICE_LOOKUPS = frozenset({"master", "customers"})
# register key -> (sheet, columns) other workbooks look up in it (what Deployment.lookups reads).
EXPORTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "master": (("员工", ("姓名", "工号", "岗位", "在职状态", "离职日期")), ("节假日调整", ("日期", "类型"))),
    "customers": (("客户", ("客户代码", "客户名称")),),
    "contracts": (("保养合同", CONTRACT_LOOKUP), ("客户设备", EQUIPMENT_LOOKUP)),
    "callins": (("叫修登记", CALL_WORK_LOOKUP),),
    "items": (("商品进出", REPAIR_WORK_LOOKUP),),
}


# ------------------------------------------------------------------------------------------- facts of a report


def fee_errors(table: Table, problems: Iterable[Problem]) -> np.ndarray:
    """Rows of the call-in table whose 服务费 cell has an error (validation's, e.g. CAL012 a charged C call) or
    could not be read."""
    rows = {
        r for p in problems
        if p.severity == Severity.ERROR and p.column == FEE and p.sheet == table.sheet
        for r in p.rows()  # a summary of many fee errors stands for all their rows
    }  # fmt: skip
    return np.isin(table.excel_rows, list(rows)) | table.bad[FEE]


def call_days(data: pd.DataFrame, as_of: dt.datetime, fee_error: np.ndarray | None = None) -> pd.DataFrame:
    """Calls per call day by category, and 服务费收入 per completion day, up to ``as_of`` (index 日期, ascending).

    服务费收入 is the 服务费 of A calls (有费服务) only, leaving out rows in ``fee_error`` (a fee cell with an error):
    B calls are paid by their contract, C calls are free, so a fee typed there is a mistake, not income."""
    limit = np.datetime64(as_of, "s")
    call = data["来电时间"].to_numpy().astype("datetime64[s]")
    made = ~np.isnat(call) & (call <= limit)
    done = data["完成时间"].to_numpy().astype("datetime64[s]")
    finished = ~np.isnat(done) & (done <= limit)
    call_day, done_day = call[made].astype("datetime64[D]"), done[finished].astype("datetime64[D]")
    days = np.unique(np.concatenate([call_day, done_day]))
    category = data["服务类别"].to_numpy(dtype=object)[made]
    at_call = np.searchsorted(days, call_day)
    columns: dict[str, np.ndarray] = {"叫修": np.bincount(at_call, minlength=len(days))}
    for c in "ABC":
        columns[c] = np.bincount(at_call, weights=(category == c), minlength=len(days)).astype(np.int64)
    fee = data[FEE].to_numpy(dtype=np.float64, na_value=np.nan)
    income = (data["服务类别"].to_numpy(dtype=object) == "A") & ~np.isnan(fee)
    if fee_error is not None:
        income &= ~np.asarray(fee_error, dtype=bool)
    fee = np.where(income, fee, 0.0)[finished]
    columns["服务费"] = np.bincount(np.searchsorted(days, done_day), weights=fee, minlength=len(days))
    return pd.DataFrame(columns, index=pd.DatetimeIndex(days.astype("datetime64[ns]"), name="日期"))


def exports_of(register: str | None, loaded: LoadedWorkbook | None) -> str | None:
    """Digest of what other workbooks' validation reads from this one (None: nothing, or not known)."""
    wanted = EXPORTS.get(register or "")
    if wanted is None or loaded is None or not loaded.ok:
        return None
    digest = hashlib.sha256()
    for sheet, columns in wanted:
        table = loaded.tables.get(sheet)
        if table is None:
            continue
        frame = table.data[[c for c in columns if c in table.data.columns]]
        digest.update(pd.util.hash_pandas_object(frame.astype(object), index=False).to_numpy().tobytes())
        digest.update(b"\x1e")
    return digest.hexdigest()


def facts_of(
    report: WorkbookReport,
    loaded: LoadedWorkbook | None,
    deployment: Deployment,
    processed: dt.datetime | None = None,
) -> WorkbookFacts:
    """The facts of one workbook processed in ``deployment`` (its root, settings and as-of instant); ``loaded`` (its
    tables) supplies the calls and receivables of a call-in register, the renewal decisions of a contract register
    and the exports; without it the exports fall back to the content hash."""
    root, as_of, notice_days = deployment.root, deployment.as_of, deployment.settings.notice_days
    summary_path = root / deployment.settings.summary
    register = report.register
    if register is None:
        guess = register_by_name(report.path)
        register = guess.key if guess else None
    rel = State(root).key(report.path)
    branch = report.branch or report.path.parent.name
    results = {r.name: r.frame for r in report.results}
    facts = WorkbookFacts(
        path=rel,
        branch=branch,
        register=register,
        sha256=report.sha256 or (loaded.sha256 if loaded else None),
        written_sha256=report.written_sha256,
        as_of=as_of,
        processed=processed or dt.datetime.now().replace(microsecond=0),
        rows=report.rows,
        errors=report.errors,
        warnings=report.warnings,
        error_zh=report.error_zh,
        error_en=report.error_en,
        rows_of=workbook_rows(results, report.problems, branch=branch, name=rel,
                              target=link_target(root, summary_path, rel), as_of=as_of),  # fmt: skip
    )
    # The tables must be those of the content checked (or of our write-back of its results: the same data).
    same = loaded is not None and (report.sha256 is None or loaded.sha256 in (report.sha256, report.written_sha256))
    reminders = results.get(REMINDERS_SHEET)
    if register == "customers" and reminders is not None:
        facts.uncontacted = overdue_contacts(reminders)
    chain = results.get(CHAIN_SHEET)
    if register == "worklog" and chain is not None and len(chain):
        facts.reports_missing = int(chain["类型"].isin(MISSING_KINDS).sum())
    if report.error_zh is None and loaded is not None and loaded.ok and same:
        today = pd.Timestamp(as_of.date())
        if register == "callins" and CALLS_SHEET in loaded.tables:
            calls = loaded.tables[CALLS_SHEET]
            facts.calls = call_days(calls.data, as_of, fee_errors(calls, report.problems))
            # The rule is the 收费核对 job's own (reused, not re-derived), so the figure matches its rows.
            owed, days = receivable(calls, today)
            if owed.any():
                facts.owed = float(calls.data[FEE].to_numpy(dtype=np.float64, na_value=np.nan)[owed].sum())
                facts.owed_days = int(days[owed].max())
            survey = loaded.tables.get(SURVEY_SHEET)
            if survey is not None and survey.found:
                facts.satisfied, facts.surveyed = satisfaction_counts(survey, today)
        if register == "contracts" and CONTRACTS_SHEET in loaded.tables:
            facts.renewed, facts.renewal_decided = renewal_decisions(
                loaded.tables[CONTRACTS_SHEET], today, notice_days
            )
        facts.exports = exports_of(register, loaded)
    elif register in EXPORTS:
        facts.exports = facts.sha256
    return facts


# ------------------------------------------------------------------------------------------------- the cache
#
# Everyone who can save a register can write under .automation/, so a cache file is data from strangers: it is
# JSON, which can describe values but never run code, and everything in it is checked before it is believed.
# A file: one ASCII header line "automation-summary-cache <kind> <CACHE_VERSION> <sha256 of the body>", then the
# body, one JSON object. JSON has strings, ints, floats (NaN and ±inf as Python's json writes them), booleans and
# null; the other values of the facts are one-key objects: {"$t": ISO datetime}, {"$d": ISO date}, {"$h": ISO
# time}, {"$l": [text, sheet, cell]} (a Link; its file is the workbook's own link target, never stored). A detail
# sheet is stored by columns (its rows are rebuilt on reading): a column whose values are all datetimes, dates,
# times or links (or blank) is one object {"$T"|"$D"|"$H"|"$L": [value or null, ...]}, so reading needs no call per
# value; any other column is a list of cells as above. The calls per day are columns of plain numbers under the
# day's datetime64[ns] value. Facts holding any other kind of value are not cached (the workbook is read again next
# time) rather than stored approximately.

CACHE_MAGIC = b"automation-summary-cache"
FACTS_KIND, INDEX_KIND = b"facts", b"index"
FACTS_SUFFIX = ".json"
STALE_TEMP_SECONDS = 3600  # a temporary cache file this old was left by a killed build
# the calls per day: column -> dtype (call_days); the index is 日期, datetime64[ns], ascending
CALL_COLUMNS: dict[str, np.dtype] = {c: np.dtype(np.int64) for c in ("叫修", "A", "B", "C")} | {
    FEE: np.dtype(np.float64)
}
CALLS_INDEX = "日期"
_NOTHING = type(None)
CELL_TYPES = frozenset({str, int, float, bool, _NOTHING, dt.datetime, dt.date, dt.time, Link})
_FILLS = (DAILY, PROBLEMS)  # the detail sheets with a fill per row
_ARGB = re.compile(r"[0-9A-Fa-f]{8}")
# the facts' plain fields -> the exact types allowed (bool is no int here; a date is no datetime)
_TEXT, _MAYBE_TEXT, _COUNT = frozenset({str}), frozenset({str, _NOTHING}), frozenset({int})
_MOMENT = frozenset({dt.datetime})
FACT_FIELDS: dict[str, frozenset[type]] = {
    "path": _TEXT, "branch": _TEXT, "register": _MAYBE_TEXT, "sha256": _MAYBE_TEXT, "written_sha256": _MAYBE_TEXT,
    "as_of": _MOMENT, "processed": _MOMENT, "rows": _COUNT, "errors": _COUNT, "warnings": _COUNT,
    "error_zh": _MAYBE_TEXT, "error_en": _MAYBE_TEXT, "exports": _MAYBE_TEXT, "key": _TEXT,
    "owed": frozenset({float}), "owed_days": frozenset({int, _NOTHING}), "renewed": _COUNT,
    "renewal_decided": _COUNT, "uncontacted": _COUNT, "reports_missing": _COUNT, "satisfied": _COUNT,
    "surveyed": _COUNT,
}  # fmt: skip
ROWS_FIELDS: dict[str, frozenset[type]] = {"arrived": _COUNT, "on_time": _COUNT, "in_repair": _COUNT}
_BODY_KEYS = frozenset(FACT_FIELDS) | frozenset(ROWS_FIELDS) | {"sheets", "fills", "calls"}


class CacheFormatError(ValueError):
    """A cache file (or facts about to be cached) is not what the cache holds."""


def frame(kind: bytes, version: int, body: bytes) -> bytes:
    """A cache file: the header line (kind, version, digest of the body) and the body."""
    return b"%s %s %d %s\n%s" % (CACHE_MAGIC, kind, version, hashlib.sha256(body).hexdigest().encode(), body)


def unframe(data: bytes, kind: bytes) -> bytes:
    """The body of a cache file of this kind and version whose digest matches; CacheFormatError otherwise."""
    header, newline, body = data.partition(b"\n")
    expected = b"%s %s %d " % (CACHE_MAGIC, kind, CACHE_VERSION)
    if not newline or header != expected + hashlib.sha256(body).hexdigest().encode():
        raise CacheFormatError("not a cache file of this kind and version, or damaged")
    return body


def _to_json(value: object, target: str) -> object:
    """``json.dumps``'s hook for the values JSON has no type for (see above); anything else is refused."""
    if isinstance(value, Link):
        if value.file != target:
            raise CacheFormatError(f"a link to another file: {value.file!r}")
        return {"$l": [value.text, value.sheet, value.cell]}
    if isinstance(value, pd.Timestamp) and not value.nanosecond:  # a plain datetime to the summary
        value = value.to_pydatetime()
    kind = type(value)
    if kind is dt.datetime:
        return {"$t": value.isoformat()}  # type: ignore[union-attr]
    if kind is dt.date:
        return {"$d": value.isoformat()}  # type: ignore[union-attr]
    if kind is dt.time:
        return {"$h": value.isoformat()}  # type: ignore[union-attr]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise CacheFormatError(f"a value of type {type(value).__name__}")


_new = object.__new__


def _link(value: object, target: str) -> Link:
    if type(value) is not list or len(value) != 3:
        raise CacheFormatError("a link is [text, sheet, cell]")
    text, sheet, cell = value
    if type(text) is not str or type(sheet) not in _MAYBE_TEXT or type(cell) not in _MAYBE_TEXT:
        raise CacheFormatError("a link's text, sheet and cell are text")
    # Link(text, sheet=sheet, cell=cell, file=target), made the way copy makes one (its one check, a sheet or a
    # file, holds: the file is the target) and twice as fast: a summary can hold tens of thousands of links.
    link = _new(Link)
    link.__dict__.update(text=text, sheet=sheet, cell=cell, file=target)
    return link


def _from_json(target: str):  # noqa: ANN202 - json.loads's object_hook for one workbook
    def hook(obj: dict[str, object]) -> object:
        if len(obj) == 1:
            ((tag, value),) = obj.items()
            if tag == "$l":
                return _link(value, target)
            parse = _PARSERS.get(tag)
            if parse is not None:
                if type(value) is not str:
                    raise CacheFormatError(f"{tag} holds text")
                return parse(value)
        return obj

    return hook


_PARSERS = {"$t": dt.datetime.fromisoformat, "$d": dt.date.fromisoformat, "$h": dt.time.fromisoformat}
_HOURS = frozenset({int, float, _NOTHING})
_COLUMN_TAGS: dict[type, str] = {dt.datetime: "$T", dt.date: "$D", dt.time: "$H"}
_COLUMN_PARSERS = {"$T": dt.datetime.fromisoformat, "$D": dt.date.fromisoformat, "$H": dt.time.fromisoformat}


def _calls_to_json(calls: pd.DataFrame | None) -> dict[str, list[object]] | None:
    if calls is None:
        return None
    index = calls.index
    if (
        not isinstance(index, pd.DatetimeIndex) or index.name != CALLS_INDEX or index.dtype != np.dtype("M8[ns]")
        or list(calls.columns) != list(CALL_COLUMNS) or any(calls[c].dtype != t for c, t in CALL_COLUMNS.items())
    ):  # fmt: skip
        raise CacheFormatError("calls per day of another layout")
    return {"days": index.asi8.tolist(), **{c: calls[c].tolist() for c in CALL_COLUMNS}}


def _numbers(value: object, kind: type, n: int | None = None) -> list[object]:
    if type(value) is not list or (n is not None and len(value) != n) or not {kind}.issuperset(map(type, value)):
        raise CacheFormatError(f"a column of {kind.__name__}")
    return value


def _calls_from_json(value: object) -> pd.DataFrame | None:
    if value is None:
        return None
    if type(value) is not dict or value.keys() != {"days", *CALL_COLUMNS}:
        raise CacheFormatError("calls per day")
    days = np.array(_numbers(value["days"], int), dtype=np.int64)
    if len(days) and (days[0] == np.iinfo(np.int64).min or not bool(np.all(days[1:] > days[:-1]))):
        raise CacheFormatError("call days are ascending dates")
    columns = {
        c: np.array(_numbers(value[c], float if t.kind == "f" else int, len(days)), dtype=t)
        for c, t in CALL_COLUMNS.items()
    }
    return pd.DataFrame(columns, index=pd.DatetimeIndex(days.view("M8[ns]"), name=CALLS_INDEX))


def _checked(value: object, allowed: frozenset[type], name: str) -> object:
    if type(value) not in allowed:
        raise CacheFormatError(f"{name}: {type(value).__name__}")
    return value


def _column_to_json(column: list[object], target: str) -> object:
    kinds = set(map(type, column)) - {_NOTHING}
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    if kind is Link:
        if any(v is not None and v.file != target for v in column):  # type: ignore[attr-defined]
            raise CacheFormatError("a link to another file")
        return {"$L": [None if v is None else [v.text, v.sheet, v.cell] for v in column]}  # type: ignore[attr-defined]
    tag = _COLUMN_TAGS.get(kind)  # type: ignore[arg-type]
    if tag is not None:
        return {tag: [None if v is None else v.isoformat() for v in column]}  # type: ignore[attr-defined]
    if not CELL_TYPES.issuperset(kinds) and any(isinstance(v, list | tuple | dict) for v in column):
        raise CacheFormatError("a cell holding several values")  # json would write a tuple as a list
    return column  # plain values; any others go through _to_json


def _sheets_to_json(sheets: Mapping[str, list[list[object]]], target: str) -> dict[str, list[object]]:
    out = {}
    for name, rows in sheets.items():
        width = len(DETAILS[name].columns)
        if any(len(row) != width for row in rows):
            raise CacheFormatError(f"a row of {name}")
        out[name] = [_column_to_json([row[j] for row in rows], target) for j in range(width)]
    return out


def _column_from_json(value: object, target: str) -> list[object]:
    if type(value) is dict:
        if len(value) != 1:
            raise CacheFormatError("a column")
        ((tag, values),) = value.items()
        if type(values) is not list:
            raise CacheFormatError("a column")
        if tag == "$L":
            return [None if v is None else _link(v, target) for v in values]
        parse = _COLUMN_PARSERS[tag]  # a string: anything else raises
        return [None if v is None else parse(v) for v in values]
    if type(value) is not list or not CELL_TYPES.issuperset(map(type, value)):
        raise CacheFormatError("a column")
    return value


def _sheets_from_json(value: object, target: str) -> dict[str, list[list[object]]]:
    if type(value) is not dict:
        raise CacheFormatError("sheets")
    sheets = {}
    for name, stored in value.items():
        detail = DETAILS.get(name)
        if detail is None or name == STATUS or type(stored) is not list or len(stored) != len(detail.columns):
            raise CacheFormatError(f"sheet {name!r}")
        columns = [_column_from_json(c, target) for c in stored]
        if len({len(c) for c in columns}) != 1:
            raise CacheFormatError(f"the columns of {name} differ in length")
        if name == DAILY:  # what the build relies on: a date to sort by, hours to add up
            days, hours = columns[DAILY_SORT_COLUMN], columns[detail.columns.index("合计工时")]
            if not {dt.date}.issuperset(map(type, days)) or not _HOURS.issuperset(map(type, hours)):
                raise CacheFormatError(f"a row of {name}")
        sheets[name] = list(map(list, zip(*columns, strict=True)))
    return sheets


def _fills_from_json(value: object, sheets: dict[str, list[list[object]]]) -> dict[str, list[str | None]]:
    if type(value) is not dict or not value.keys() <= set(_FILLS):
        raise CacheFormatError("fills")
    for name in _FILLS:
        fills = value.get(name, [])
        if type(fills) is not list or len(fills) != len(sheets.get(name, ())):
            raise CacheFormatError(f"fills of {name}")
        if any(f is not None and (type(f) is not str or not _ARGB.fullmatch(f)) for f in fills):
            raise CacheFormatError(f"fills of {name}")
    return value


def encode_facts(facts: WorkbookFacts, target: str) -> bytes:
    """The cache file of a workbook's facts (``target``: its link target, see :func:`link_target`).
    CacheFormatError when they hold a value the format cannot give back exactly."""
    rows = facts.rows_of
    body: dict[str, object] = {name: getattr(facts, name) for name in FACT_FIELDS}
    body |= {name: getattr(rows, name) for name in ROWS_FIELDS}
    body |= {"sheets": _sheets_to_json(rows.sheets, target), "fills": rows.fills, "calls": _calls_to_json(facts.calls)}
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), check_circular=False,
                      default=lambda v: _to_json(v, target))  # fmt: skip
    return frame(FACTS_KIND, CACHE_VERSION, text.encode("utf-8", "surrogatepass"))


def decode_facts(data: bytes, rel: str, target: str) -> WorkbookFacts | None:
    """The facts of the workbook ``rel`` in a cache file, if it is one of this version, intact, and holds exactly
    what facts hold (every type checked); None otherwise. Never raises for any content."""
    try:
        raw = json.loads(unframe(data, FACTS_KIND), object_hook=_from_json(target))
        if type(raw) is not dict or raw.keys() != _BODY_KEYS or raw["path"] != rel:
            raise CacheFormatError("facts of another workbook, or not facts")
        plain = {name: _checked(raw[name], allowed, name) for name, allowed in FACT_FIELDS.items()}
        counts = {name: _checked(raw[name], allowed, name) for name, allowed in ROWS_FIELDS.items()}
        sheets = _sheets_from_json(raw["sheets"], target)
        rows = WorkbookRows(sheets=sheets, fills=_fills_from_json(raw["fills"], sheets), **counts)
        return WorkbookFacts(**plain, rows_of=rows, calls=_calls_from_json(raw["calls"]))  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - whatever is in the file (even nesting deep enough to recurse), it is a miss
        return None


def _stats_from_json(data: bytes) -> dict[str, tuple[int, int, int, str]]:
    raw = json.loads(unframe(data, INDEX_KIND))
    if type(raw) is not dict:
        raise CacheFormatError("index")
    stats = {}
    for rel, value in raw.items():
        if type(value) is list and len(value) == 4 and {int}.issuperset(map(type, value[:3])) and type(
                value[3]) is str:  # fmt: skip
            stats[rel] = (value[0], value[1], value[2], value[3])
    return stats


# cache file -> (digest of its bytes, workbook, link target) and the facts decoded from them, at most DECODED_KEPT
_DECODED: dict[str, tuple[tuple[bytes, str, str], WorkbookFacts]] = {}
DECODED_KEPT = 2000


class SummaryCache:
    """``<root>/.automation/summary-cache/``: one JSON file of facts per workbook, plus an index of file stats
    (``summary_path``: where the summary is, which the facts' links are relative to)."""

    def __init__(self, root: Path, summary_path: Path) -> None:
        self.root, self.summary_path = root, summary_path
        self.folder = root / STATE_DIR / CACHE_DIR
        self.index_path = self.folder / f"index{FACTS_SUFFIX}"

    def _file(self, rel: str) -> Path:
        return self.folder / f"{hashlib.sha1(rel.encode('utf-8')).hexdigest()}{FACTS_SUFFIX}"

    def _read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _write(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)  # the cache is an optimisation: failing to write it is not an error

    def get(self, rel: str) -> WorkbookFacts | None:
        path = self._file(rel)
        data = self._read(path)
        if data is None:
            return None
        target = link_target(self.root, self.summary_path, rel)
        # Decoding is a function of the bytes alone: bytes this process decoded before (the watcher builds again
        # and again) are not decoded again. A copy is handed out, as the caller sets the key and hashes.
        seen = (hashlib.sha256(data).digest(), rel, target)
        known = _DECODED.pop(str(path), None)
        if known is not None and known[0] == seen:
            _DECODED[str(path)] = known  # now the most recently read
            return dataclasses.replace(known[1])
        facts = decode_facts(data, rel, target)
        if facts is not None:
            _DECODED[str(path)] = (seen, facts)
            while len(_DECODED) > DECODED_KEPT:
                del _DECODED[next(iter(_DECODED))]  # the longest unread
            return dataclasses.replace(facts)
        return None

    def put(self, facts: WorkbookFacts) -> None:
        path = self._file(facts.path)
        try:
            data = encode_facts(facts, link_target(self.root, self.summary_path, facts.path))
        except (CacheFormatError, TypeError, ValueError, OverflowError):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)  # not cached: read again next time, never an older entry
            return
        self._write(path, data)

    def stats(self) -> dict[str, tuple[int, int, int, str]]:
        data = self._read(self.index_path)
        try:
            return _stats_from_json(data) if data is not None else {}
        except Exception:  # noqa: BLE001 - an unusable index only costs hashing the workbooks again
            return {}

    def save_stats(self, stats: Mapping[str, tuple[int, int, int, str]]) -> None:
        body = json.dumps({rel: list(s) for rel, s in stats.items()}, ensure_ascii=False, separators=(",", ":"))
        self._write(self.index_path, frame(INDEX_KIND, CACHE_VERSION, body.encode("utf-8", "surrogatepass")))

    def prune(self, keep: Iterable[str]) -> None:
        """Remove the facts of workbooks that no longer exist, files of earlier versions of the cache (``*.pkl``,
        never opened) and temporary files a killed build left."""
        wanted = {self._file(rel).name for rel in keep} | {self.index_path.name}
        try:
            paths = list(self.folder.iterdir())
        except OSError:
            return
        now = dt.datetime.now().timestamp()
        for path in paths:
            with contextlib.suppress(OSError):
                if path.name.startswith(".") and path.suffix == ".tmp":
                    if now - path.stat().st_mtime < STALE_TEMP_SECONDS:
                        continue  # another build may be writing it
                elif path.suffix not in (".pkl", FACTS_SUFFIX) or path.name in wanted:
                    continue
                path.unlink()


def content_sha(path: Path, rel: str, known: dict[str, tuple[int, int, int, str]]) -> str | None:
    """SHA-256 of a file's bytes, reusing the remembered hash when size, mtime and ctime are unchanged."""
    try:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        remembered = known.get(rel)
        if remembered is not None and tuple(remembered[:3]) == stamp:
            return remembered[3]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        known.pop(rel, None)
        return None
    known[rel] = (*stamp, digest)
    return digest


# -------------------------------------------------------------------------------------------- collecting facts


@dataclass
class _Entry:
    source: Source
    rel: str
    sha: str | None  # canonical content hash (our own write-back mapped back to the content checked)
    cached: WorkbookFacts | None
    facts: WorkbookFacts | None = None  # fresh or processed in this build

    @property
    def current(self) -> WorkbookFacts | None:
        return self.facts or self.cached


class _Keys:
    """Cache keys: the workbook's own part (content, settings, day, version) and its lookups' exports."""

    def __init__(
        self, entries: list[_Entry], root: Path, settings: Settings, as_of: dt.datetime, units: list[str],
        remote: str = "",
    ) -> None:  # fmt: skip
        self.settings = repr(dataclasses.replace(settings, source=None))
        self.day, self.units = as_of.date().isoformat(), units
        self.remote = remote  # digest of the head office's tables a branch site reads from the store
        self.head = root / settings.head_office
        self.by_folder: dict[Path, list[_Entry]] = {}
        for entry in entries:
            self.by_folder.setdefault(entry.source.path.parent, []).append(entry)

    def own(self, entry: _Entry, register: str | None) -> list[object]:
        units = self.units if register in (None, "master") else []
        return [CACHE_VERSION, __version__, self.settings, self.day, entry.rel, entry.sha, units]

    def full(self, entry: _Entry) -> str:
        facts = entry.current
        register = facts.register if facts else None
        folder = entry.source.path.parent
        nearby = self.by_folder.get(folder, []) + ([] if folder == self.head else self.by_folder.get(self.head, []))
        wanted = DEPENDS.get(register or "")
        deps = []
        for other in nearby:
            other_facts = other.current
            if other is entry or other_facts is None:
                continue
            kind = other_facts.register
            if wanted is None or kind is None:  # unknown: anything nearby may matter
                deps.append((other.rel, other.sha))
                continue
            looked_up_in = self.head if kind in HEAD_OFFICE_LOOKUPS else folder
            if kind in wanted and other.source.path.parent == looked_up_in:
                deps.append((other.rel, other_facts.exports or other.sha))
        if self.remote and (wanted is None or HEAD_OFFICE_LOOKUPS & set(wanted)):
            deps.append(("<store>", self.remote))
        payload = [self.own(entry, register), sorted(deps, key=lambda d: d[0])]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()

    def own_unchanged(self, entry: _Entry) -> bool:
        cached = entry.cached
        if cached is None or entry.sha is None:
            return False
        return cached.sha256 == entry.sha and cached.as_of.date().isoformat() == self.day


# Processing many workbooks (a first build, a new day) is spread over worker processes, one group of folders each:
# below this much work, starting them (importing the product: about a second) would cost more than it saves.
PARALLEL_MIN_BYTES = 12 << 20
PARALLEL_BYTES_PER_WORKER = 6 << 20
MAX_WORKERS = 4
WORKERS_ENV = "AUTOMATION_SUMMARY_WORKERS"  # at most this many worker processes; 0 or 1: never


def _cpus() -> int:
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    limit = os.environ.get(WORKERS_ENV, "").strip()
    return min(count, int(limit)) if limit.isdigit() else count


def _main_is_safe() -> bool:
    """Whether worker processes can start: they import the main module again (spawn), which must not run the
    program a second time — true for ``python -m automation``, the ``automation`` command, pytest, and any script
    guarded by ``if __name__ == "__main__"``; false in frozen executables."""
    if getattr(sys, "frozen", False):
        return False
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and (spec.name == "__main__" or spec.name.endswith(".__main__")):
        return True  # a package's __main__ is never imported again
    path = getattr(main, "__file__", None)
    if path is None:
        return spec is None  # interactive: nothing to run again
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"""__name__\s*==\s*["']__main__["']""", text) is not None


def _groups(entries: list[_Entry], min_bytes: int) -> list[list[_Entry]]:
    """Folders (a branch with its registers reads the same lookups) spread over workers by size; [] if not worth it."""
    folders: dict[Path, list[_Entry]] = {}
    sizes: dict[Path, int] = {}
    for entry in entries:
        folder = entry.source.path.parent
        folders.setdefault(folder, []).append(entry)
        with contextlib.suppress(OSError):
            sizes[folder] = sizes.get(folder, 0) + entry.source.path.stat().st_size
    total = sum(sizes.values())
    workers = min(_cpus(), MAX_WORKERS, len(folders), max(1, total // PARALLEL_BYTES_PER_WORKER))
    if total < min_bytes or workers < 2 or not _main_is_safe():
        return []
    groups: list[list[_Entry]] = [[] for _ in range(workers)]
    load = [0] * workers
    for folder in sorted(folders, key=lambda f: -sizes.get(f, 0)):
        i = load.index(min(load))
        groups[i].extend(folders[folder])
        load[i] += sizes.get(folder, 0)
    return groups


def process(deployment: Deployment, path: Path, now: dt.datetime) -> WorkbookFacts:
    """Read, validate and run the jobs of one workbook (nothing is written back), and take its facts."""
    loaded = deployment.load(path)
    report = process_workbook(deployment, path, write=False)
    return facts_of(report, loaded, deployment, processed=now)


def process_folder_by_folder(deployment: Deployment, paths: list[Path], now: dt.datetime) -> list[WorkbookFacts]:
    """Facts of ``paths``, in their order. Once the last path of a branch folder is done, that folder's workbooks
    are released from the deployment, so memory holds one branch's tables at a time (and the head office's, which
    every branch looks up) however many branches there are; keep the paths of a folder together."""
    last = {p.parent.resolve(): i for i, p in enumerate(paths)}
    head_office = deployment.head_office.resolve()
    out = []
    for i, path in enumerate(paths):
        out.append(process(deployment, path, now))
        folder = path.parent.resolve()
        if last[folder] == i and folder != head_office:
            deployment.release(folder)
    return out


def process_paths(
    root: Path, settings: Settings, as_of: dt.datetime, now: dt.datetime, paths: list[Path]
) -> list[WorkbookFacts]:
    """Facts of the given workbooks, processed in one deployment of their own (a worker's job)."""
    return process_folder_by_folder(Deployment(root, settings, as_of), paths, now)


def in_workers(
    root: Path, settings: Settings, as_of: dt.datetime, now: dt.datetime, entries: list[_Entry]
) -> bool:
    """Process ``entries`` in worker processes when there is enough work; False (nothing done) otherwise or when
    worker processes cannot be used here (the caller then processes them itself)."""
    groups = _groups(entries, PARALLEL_MIN_BYTES)
    if not groups:
        return False
    try:
        context = multiprocessing.get_context("spawn")  # no fork: the watcher runs threads
        with ProcessPoolExecutor(max_workers=len(groups), mp_context=context) as pool:
            jobs = [pool.submit(process_paths, root, settings, as_of, now, [e.source.path for e in g]) for g in groups]
            for group, job in zip(groups, jobs, strict=True):
                for entry, facts in zip(group, job.result(), strict=True):
                    entry.facts = facts
    except Exception:  # noqa: BLE001 - no worker processes here (or one failed): the caller processes the rest
        return False
    return True


def collect_facts(
    root: Path,
    settings: Settings,
    as_of: dt.datetime,
    sources: list[Source],
    fresh: Mapping[Path, WorkbookFacts] | None = None,
    *,
    units: Iterable[str] = (),
    records: Iterable[Record] = (),
    remote: str = "",
) -> list[WorkbookFacts]:
    """Facts of every source: from ``fresh`` (facts of workbooks the caller has just processed), else from the
    cache when the key matches, else by reading and processing the workbook (nothing is written back).
    ``remote``: the digest of the head office's tables a branch site reads from the store (it keys the facts of
    what looks them up). Updates the cache."""
    fresh = {k.resolve(): v for k, v in (fresh or {}).items()}
    cache = SummaryCache(root, root / settings.summary)
    stats = cache.stats()
    state = State(root)
    aliases = {r.written_sha256: r.sha256 for r in records if r.written_sha256 and r.sha256}
    entries: list[_Entry] = []
    for source in sources:
        rel = state.key(source.path)
        cached = cache.get(rel)
        if cached is not None and cached.written_sha256 and cached.sha256:
            aliases[cached.written_sha256] = cached.sha256
        sha = content_sha(source.path, rel, stats)
        entries.append(_Entry(source, rel, sha, cached, fresh.get(source.path.resolve())))
    for entry in entries:
        entry.sha = aliases.get(entry.sha, entry.sha) if entry.sha else None
        if entry.facts is not None and entry.facts.sha256:
            entry.sha = aliases.get(entry.facts.sha256, entry.facts.sha256)
    keys = _Keys(entries, root, settings, as_of, sorted(units), remote)
    now = dt.datetime.now().replace(microsecond=0)
    deployment = Deployment(root, settings, as_of)  # reads nothing until asked

    # 1. workbooks whose own content (or settings, day, version) changed; 2. those whose lookups changed.
    changed = [e for e in entries if e.facts is None and not (keys.own_unchanged(e) and e.cached and e.cached.key)]
    in_workers(root, settings, as_of, now, changed)
    # Folder by folder, the head office first: a branch's lookups are its own folder's and the head office's, so
    # once a folder's changed workbooks are processed its other workbooks' keys are known; then the folder's
    # workbooks are released, and memory holds one branch at a time (Deployment.release).
    head_office = deployment.head_office.resolve()
    folders: dict[Path, list[_Entry]] = {}
    for entry in sorted(entries, key=lambda e: e.source.path.parent.resolve() != head_office):
        folders.setdefault(entry.source.path.parent.resolve(), []).append(entry)
    pending = {id(e) for e in changed}
    for folder, group in folders.items():
        for entry in group:
            if entry.facts is None and id(entry) in pending:
                entry.facts = process(deployment, entry.source.path, now)
        for entry in group:
            if entry.facts is None and entry.cached is not None and entry.cached.key != keys.full(entry):
                entry.facts = process(deployment, entry.source.path, now)
        if folder != head_office:
            deployment.release(folder)

    for entry in entries:
        facts = entry.current
        assert facts is not None
        if facts.sha256:
            canonical = aliases.get(facts.sha256, facts.sha256)
            if canonical != facts.sha256:  # we read our own write-back: remember both hashes
                facts.written_sha256, facts.sha256 = facts.written_sha256 or facts.sha256, canonical
            entry.sha = canonical
    for entry in entries:
        facts = entry.current
        assert facts is not None
        key = keys.full(entry) if facts.sha256 else ""
        if key != facts.key or entry.facts is not None:
            facts.key = key
            cache.put(facts)
    cache.prune(e.rel for e in entries)
    cache.save_stats({e.rel: stats[e.rel] for e in entries if e.rel in stats})
    return [e.current for e in entries if e.current is not None]


def facts_of_reports(
    reports: Iterable[WorkbookReport], *, root: Path, settings: Settings, as_of: dt.datetime
) -> dict[Path, WorkbookFacts]:
    """Facts of reports handed in without their tables: call-in and contract registers are read once more for their
    calls, receivables and renewal decisions (the exports of the others fall back to their content hash)."""
    deployment = Deployment(root, settings, as_of)  # reads nothing until asked
    out = {}
    now = dt.datetime.now().replace(microsecond=0)
    for report in reports:
        loaded = None
        if report.register in ("callins", "contracts") and report.error_zh is None:
            loaded = deployment.load(report.path)
        out[report.path] = facts_of(report, loaded, deployment, processed=now)
    return out


__all__ = [
    "DEPENDS",
    "EXPORTS",
    "CacheFormatError",
    "SummaryCache",
    "WorkbookFacts",
    "call_days",
    "collect_facts",
    "content_sha",
    "decode_facts",
    "encode_facts",
    "exports_of",
    "facts_of",
    "facts_of_reports",
    "fee_errors",
    "process",
    "process_paths",
]
