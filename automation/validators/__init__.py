"""Validation of one register workbook: structure, values, column schemas, then the register's rule functions.

Every step adds problems to one list. A rule function that crashes becomes one SYS001 problem and the others
still run, so one broken rule never hides the rest of the report. Each step lists at most
``settings.problems_per_kind`` findings of a kind and sums up the rest (:func:`automation.problems.cap_problems`
makes sure of it for the whole list, whatever a rule returned).
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..catalogue import problem
from ..problems import Problem, cap_problems, summarised
from ..registers.model import Kind
from ..xlsx.table import Table, column_letter
from .context import Context, cell_problems
from .rules import RULES
from .schemas import check_columns, uniqueness_key


def structure_problems(table: Table) -> list[Problem]:
    """Missing sheet, missing header row, missing required columns, duplicated headers."""
    where = {"workbook": table.workbook, "sheet": table.sheet}
    if not table.found:
        # An optional sheet's absence is a note (optional_sheet_notes), not a problem.
        return [] if table.model.optional else [problem("XLS001", **where)]
    if not table.header_row:
        return [problem("XLS003", cell="A1", row=1, **where)]
    out = [
        problem("XLS002", cell=f"A{table.header_row}", row=table.header_row, column=c.header, article=c.article, **where)
        for c in table.missing_required()
    ]
    out += [
        problem("XLS004", cell=f"{column_letter(c)}{table.header_row}", row=table.header_row, column=h, **where)
        for h, c in table.duplicate_headers
    ]
    return out


def optional_sheet_notes(tables: Mapping[str, Table]) -> list[tuple[str, str]]:
    """One note (zh, en) per optional sheet the workbook does not have: which checks it would enable. Notes are
    shown beside the problems (校验结果, the terminal, JSON) but are not problems: an older workbook is not wrong."""
    return [
        (f"没有选填工作表「{t.model.name}」，{t.model.enables[0]}未检查；需要时可从模板复制此表",
         f"optional sheet '{t.model.name}' is absent: {t.model.enables[1]} not checked; copy it from the template "
         "when needed")
        for t in tables.values() if not t.found and t.model.optional
    ]  # fmt: skip


def type_problems(table: Table, limit: int) -> list[Problem]:
    """Cells that could not be read as their column's type, at most ``limit`` listed per code and column."""
    out: list[Problem] = []
    for header, errors in table.errors.items():
        if header not in table.columns:
            continue
        by_code: dict[str, list[int]] = {}
        for i in sorted(errors):
            by_code.setdefault(errors[i][0], []).append(i)
        for code, rows in by_code.items():
            out += cell_problems(code, table, header, rows, limit, lambda i, e=errors: e[i][1])
    return out


def midnight_problems(table: Table, limit: int) -> list[Problem]:
    """TYP013: a date-time at exactly 00:00 is read as such (its cell shows a time), but it is far more often a
    date typed into a date-time cell without its time than a call at midnight: a warning, not an error."""
    out = []
    for column in table.model.columns:
        if column.kind != Kind.DATETIME or column.header not in table.columns or not len(table):
            continue
        values = pd.to_datetime(table.data[column.header], errors="coerce")
        midnight = (values.notna() & (values.dt.hour == 0) & (values.dt.minute == 0)).to_numpy()
        midnight = midnight & ~table.bad[column.header]
        out += cell_problems("TYP013", table, column.header, np.flatnonzero(midnight).tolist(), limit)
    return out


def unique_together_problems(table: Table, limit: int) -> list[Problem]:
    out = []
    for columns in table.model.unique_together:
        if not all(c in table.columns for c in columns) or not len(table):
            continue
        keys = table.data[list(columns)].copy()
        for c in columns:
            keys[c] = uniqueness_key(keys[c], table.model.column(c).kind)
        complete = keys.notna().all(axis=1).to_numpy()
        dup = keys.duplicated(keep="first").to_numpy() & complete
        first = {}
        for i, key in enumerate(map(tuple, keys.itertuples(index=False))):
            if complete[i]:
                first.setdefault(key, int(table.excel_rows[i]))
        last = columns[-1]
        rows = np.flatnonzero(dup).tolist()
        for n, i in enumerate(rows[: limit + 1] if len(rows) > limit + 1 else rows):
            key = tuple(keys.iloc[i])
            found = problem(
                "COL005",
                workbook=table.workbook,
                sheet=table.sheet,
                cell=table.cell(last, i),
                row=int(table.excel_rows[i]),
                column=last,
                value=table.value(last, i),
                columns="+".join(columns),
                other=str(first[key]),
            )
            if n == limit and len(rows) > limit + 1:
                found = summarised(found, table.excel_rows[rows[limit + 1 :]].tolist())
            out.append(found)
    return out


def unique_across_files(ctx: Context, table: Table) -> list[Problem]:
    """COL006: a unique value that another workbook of the same register in this folder already holds."""
    out: list[Problem] = []
    for column in table.model.columns:
        others = ctx.lookups.siblings.get(table.model.name, [])
        if not (column.unique and others and column.header in table.columns and len(table)):
            continue
        seen: dict[object, str] = {}
        for other in others:
            for key in uniqueness_key(other.data[column.header], column.kind).dropna().tolist():
                seen.setdefault(key, other.workbook)
        keys = uniqueness_key(table.data[column.header], column.kind).tolist()
        bad = table.bad[column.header]
        rows = [i for i, key in enumerate(keys) if key is not None and key in seen and not bad[i]]
        files = {i: seen[keys[i]] for i in rows[: ctx.settings.problems_per_kind + 1]}
        out += cell_problems(
            "COL006", table, column.header, rows, ctx.settings.problems_per_kind, lambda i, f=files: {"file": f[i]}
        )
    return out


def validate(ctx: Context) -> list[Problem]:
    """All problems of one register workbook."""
    problems: list[Problem] = []
    limit = ctx.settings.problems_per_kind
    for table in ctx.tables.values():
        problems += structure_problems(table)
        problems += type_problems(table, limit)
        problems += midnight_problems(table, limit)
        problems += check_columns(table, ctx.as_of, limit)
        problems += unique_together_problems(table, limit)
        problems += unique_across_files(ctx, table)
    for rule in RULES[ctx.register.key]:
        try:
            problems.extend(rule(ctx))
        except Exception as exc:  # noqa: BLE001 - a broken rule is reported, never fatal
            where = traceback.extract_tb(exc.__traceback__)[-1]
            detail = f"{type(exc).__name__}: {exc} ({where.name}:{where.lineno})"
            problems.append(
                problem("SYS001", workbook=ctx.workbook, rule=f"{rule.__module__.rsplit('.', 1)[-1]}.{rule.__name__}", error=detail)
            )
    return cap_problems(problems, limit)
