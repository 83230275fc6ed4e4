"""Rule building blocks shared by several registers: staff references, customer and call-in references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ...catalogue import problem
from ...problems import Problem
from ...registers.model import Kind
from ...xlsx.table import Table
from ..context import Context, blank, filled

REGISTER_NAMES = {
    "master": ("基础资料", "the master data (基础资料)"),
    "customers": ("客户档案", "the customer archive (客户档案)"),
    "contracts": ("本分公司保养合同", "this branch's maintenance contracts"),
    "callins": ("本分公司叫修登记簿", "this branch's call-in register"),
}
# A lookup whose register is there but holds nothing to look up (a fresh root: 员工 still empty).
EMPTY_NAMES = {
    "staff": ("基础资料/员工", "the staff list (基础资料/员工)"),
    "customers": ("客户档案/客户", "the customer archive (客户档案/客户)"),
    "contracts": REGISTER_NAMES["contracts"],
    "callins": REGISTER_NAMES["callins"],
}


def missing_lookup(ctx: Context, table: Table, column: str, register: str) -> list[Problem]:
    """One warning that a reference cannot be checked because the register it points at is absent."""
    return _unchecked("REF003", REGISTER_NAMES[register], table, column)


def empty_lookup(ctx: Context, table: Table, column: str, lookup: str) -> list[Problem]:
    """One REF004 warning instead of an error on every row: the register is there, but the list the column refers
    to has no entries yet (a fresh root)."""
    return _unchecked("REF004", EMPTY_NAMES[lookup], table, column)


def _unchecked(code: str, names: tuple[str, str], table: Table, column: str) -> list[Problem]:
    if not filled(table, column).any():
        return []
    zh, en = names
    return [
        problem(
            code,
            workbook=table.workbook,
            sheet=table.sheet,
            cell=None,
            row=table.header_row or None,
            column=column,
            register=zh,
            register_en=en,
        )
    ]


def staff_index(staff: pd.DataFrame) -> dict[str, int]:
    """Name or staff number -> row of the staff table."""
    index: dict[str, int] = {}
    for i, (name, code) in enumerate(zip(staff["姓名"].tolist(), staff["工号"].tolist(), strict=True)):
        for key in (code, name):  # names win over numbers when they collide
            if key is not None:
                index[key] = i
    return index


def check_staff(
    ctx: Context,
    table: Table,
    column: str,
    *,
    on_duty_at: str | Iterable[str] | None = None,
    post: str | None = None,
) -> list[Problem]:
    """STF001 unknown staff; STF002 left before the row's date (``on_duty_at`` columns, first filled wins);
    STF003 wrong post. No staff list: REF003; a staff list without a name or number (a fresh root): REF004."""
    staff = ctx.lookups.staff
    if staff is None:
        return missing_lookup(ctx, table, column, "master")
    index = staff_index(staff)
    if not index:
        return empty_lookup(ctx, table, column, "staff")
    values = table.data[column]
    has = filled(table, column)
    pos = np.array([index.get(v, -1) if v is not None else -1 for v in values.tolist()], dtype=np.int64)
    out = ctx.flag("STF001", table, has & (pos < 0), column)
    found = pos >= 0
    known = has & found
    if on_duty_at is not None:
        columns = [on_duty_at] if isinstance(on_duty_at, str) else list(on_duty_at)
        when = pd.Series(np.full(len(table), np.datetime64("NaT"), dtype="datetime64[s]"))
        for c in reversed(columns):
            when = table.data[c].where(table.data[c].notna(), when)
        left_at = np.full(len(table), np.datetime64("NaT"), dtype="datetime64[s]")
        left_at[found] = staff["离职日期"].to_numpy(dtype="datetime64[s]")[pos[found]]
        day = when.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
        after = known & (day > left_at.astype("datetime64[D]"))
        out += ctx.flag(
            "STF002", table, after, column, left=left_at, day=day
        )
    if post is not None:
        actual = np.full(len(table), None, dtype=object)
        actual[found] = staff["岗位"].to_numpy(dtype=object)[pos[found]]
        out += ctx.flag("STF003", table, known & (actual != post), column, post=list(actual))
    return out


def check_customer_codes(ctx: Context, table: Table, column: str, customers: Mapping[str, str] | None) -> list[Problem]:
    """REF001: a customer code that is not in the customer archive."""
    if customers is None:
        return missing_lookup(ctx, table, column, "customers")
    if not customers:
        return empty_lookup(ctx, table, column, "customers")
    codes = table.data[column]
    unknown = filled(table, column) & ~codes.isin(list(customers)).to_numpy()
    return ctx.flag("REF001", table, unknown, column)


def check_callin_ids(ctx: Context, table: Table, column: str) -> list[Problem]:
    """REF002: a 登记号 that is not in this branch's call-in register."""
    ids = ctx.lookups.callin_ids
    if ids is None:
        return missing_lookup(ctx, table, column, "callins")
    if not ids:
        return empty_lookup(ctx, table, column, "callins")
    unknown = filled(table, column) & ~table.data[column].isin(list(ids)).to_numpy()
    return ctx.flag("REF002", table, unknown, column)


def required_when(ctx: Context, code: str, table: Table, condition: pd.Series | np.ndarray, column: str) -> list[Problem]:
    """``column`` must be filled in where ``condition`` holds."""
    return ctx.flag(code, table, np.asarray(condition, dtype=bool) & blank(table, column), column)


def missing_list(parts: Iterable[tuple[np.ndarray, str, str]], n: int) -> tuple[np.ndarray, list[str], list[str]]:
    """Rows where any listed requirement is unmet, with the unmet ones named (zh and en) per row."""
    parts = list(parts)
    any_missing = np.zeros(n, dtype=bool)
    zh: list[list[str]] = [[] for _ in range(n)]
    en: list[list[str]] = [[] for _ in range(n)]
    for mask, name_zh, name_en in parts:
        mask = np.asarray(mask, dtype=bool)
        any_missing |= mask
        for i in np.flatnonzero(mask).tolist():
            zh[i].append(name_zh)
            en[i].append(name_en)
    return any_missing, ["、".join(x) for x in zh], [", ".join(x) for x in en]


def staff_columns(table: Table) -> list[str]:
    return [c.header for c in table.model.columns if c.kind is Kind.STAFF]
