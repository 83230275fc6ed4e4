"""Column-level checks as pandera schemas, built from the register model.

For every column of a sheet model the schema says: unique (after normalisation for text), numeric bounds and "not
in the future". Validation is lazy, so every failing cell is collected; each failure is turned into a problem at its
cell. Cells that could not be read at all already have a type problem and are not blamed again here.

"Required" is not a pandera check: the table already knows its blank cells, and an error-dense sheet (50,000 rows
with one column filled) would make pandera build a failure-case row for every blank cell of every required column.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..problems import Problem
from ..registers.model import TEXT_KINDS, Column, Kind, SheetModel
from ..xlsx.table import Table
from .context import cell_problems

# Check names in the schema -> catalogue code.
REQUIRED, UNIQUE, RANGE, FUTURE = "COL001", "COL002", "COL003", "COL004"


def uniqueness_key(values: pd.Series, kind: Kind) -> pd.Series:
    """What "the same value" means for a unique column: text compares after NFKC, without spaces, ignoring case.

    Codes are already NFKC-normalised and trimmed when read and compare as they are (identifiers are exact)."""
    if kind in TEXT_KINDS and kind is not Kind.CODE:
        return values.map(
            lambda v: "".join(unicodedata.normalize("NFKC", v).split()).casefold() if isinstance(v, str) else None
        )
    return values


def _bound_text(col: Column) -> tuple[str, str]:
    parts_zh, parts_en = [], []
    if col.minimum is not None:
        op = ">" if col.minimum_open else "≥"
        parts_zh.append(f"应{op} {col.minimum:g}")
        parts_en.append(f"must be {op} {col.minimum:g}")
    if col.maximum is not None:
        parts_zh.append(f"应≤ {col.maximum:g}")
        parts_en.append(f"must be ≤ {col.maximum:g}")
    return "，".join(parts_zh), ", ".join(parts_en)


def _column_schema(col: Column, as_of: np.datetime64) -> pa.Column:
    checks: list[pa.Check] = []
    if col.minimum is not None:
        checks.append(pa.Check.gt(col.minimum, name=RANGE) if col.minimum_open else pa.Check.ge(col.minimum, name=RANGE))
    if col.maximum is not None:
        checks.append(pa.Check.le(col.maximum, name=RANGE))
    if col.not_future:
        # "Not in the future" is judged by day for dates and by minute for date-times.
        if col.kind is Kind.DATE:
            limit = as_of.astype("datetime64[D]") + np.timedelta64(1, "D")
        else:
            limit = as_of + np.timedelta64(1, "m")
        limit = limit.astype("datetime64[s]")
        checks.append(pa.Check(lambda s, lim=limit: s < lim, name=FUTURE))
    if col.unique:
        checks.append(
            pa.Check(lambda s, kind=col.kind: ~uniqueness_key(s, kind).duplicated(keep="first"), name=UNIQUE)
        )
    return pa.Column(None, checks=checks, nullable=True, required=True, coerce=False)


_SCHEMAS: dict[tuple[int, str], pa.DataFrameSchema] = {}


def sheet_schema(model: SheetModel, as_of_minute: str) -> pa.DataFrameSchema:
    """The pandera schema of a sheet model at an as-of minute (cached: the watcher asks again and again)."""
    key = (id(model), as_of_minute)
    if key not in _SCHEMAS:
        if len(_SCHEMAS) > 256:
            _SCHEMAS.clear()
        minute = np.datetime64(as_of_minute, "m")
        _SCHEMAS[key] = pa.DataFrameSchema({c.header: _column_schema(c, minute) for c in model.columns}, strict=False)
    return _SCHEMAS[key]


def check_columns(table: Table, as_of: dt.datetime, limit: int) -> list[Problem]:
    """Problems of the column-level checks for one table (absent columns and unreadable cells are skipped), at
    most ``limit`` listed per check and column."""
    if not len(table):
        return []
    problems: list[Problem] = []
    for col in table.model.columns:
        if col.required and col.header in table.columns:
            rows = np.flatnonzero(table.blank[col.header] & ~table.bad[col.header]).tolist()
            problems += _to_problems(table, col.header, REQUIRED, rows, limit)
    schema = sheet_schema(table.model, as_of.isoformat(timespec="minutes"))
    try:
        schema.validate(table.data, lazy=True)
        failures = None
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    if failures is not None and len(failures):
        failures = failures[failures["index"].notna()]
        failures = failures.assign(check_number=failures["check_number"].fillna(-1).astype(int))
        for (header, number), group in failures.groupby(["column", "check_number"], sort=False):
            if number < 0:
                continue  # not a check of ours (every column is nullable and present)
            column = schema.columns[str(header)]
            code = column.checks[number].name
            problems.extend(_to_problems(table, str(header), code, group["index"].astype(int).tolist(), limit))
    return problems


def _to_problems(table: Table, header: str, code: str, rows: list[int], limit: int) -> list[Problem]:
    if header not in table.columns:
        return []  # an absent column is reported once, at the header
    col = table.model.column(header)
    bad = table.bad[header]
    params: dict[str, object] = {}
    if code == RANGE:
        params["bound"], params["bound_en"] = _bound_text(col)
    first_seen: dict[object, int] = {}
    keys: list[object] = []
    if code == UNIQUE:
        keys = uniqueness_key(table.data[header], col.kind).tolist()
        for i, key in enumerate(keys):
            if key is not None and key not in first_seen:
                first_seen[key] = int(table.excel_rows[i])
    rows = [i for i in rows if not bad[i]]

    def per_row(i: int) -> dict[str, object]:
        return {"other": str(first_seen.get(keys[i], ""))} if code == UNIQUE else {}

    return cell_problems(code, table, header, rows, limit, per_row, **params)
