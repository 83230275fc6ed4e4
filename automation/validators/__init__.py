"""Validation of one register workbook: structure, values, column schemas, then the register's rule functions.

Every step adds problems to one list. A rule function that crashes becomes one SYS001 problem and the others
still run, so one broken rule never hides the rest of the report.
"""

from __future__ import annotations

import traceback

import numpy as np
import pandas as pd

from ..catalogue import problem
from ..problems import Problem
from ..registers.model import Kind
from ..xlsx.table import Table, column_letter
from .context import Context, cell_problem
from .rules import RULES
from .schemas import check_columns, uniqueness_key


def structure_problems(table: Table) -> list[Problem]:
    """Missing sheet, missing header row, missing required columns, duplicated headers."""
    where = {"workbook": table.workbook, "sheet": table.sheet}
    if not table.found:
        return [problem("XLS001", **where)]
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


def type_problems(table: Table) -> list[Problem]:
    out = []
    for header, errors in table.errors.items():
        if header not in table.columns:
            continue
        out += [cell_problem(code, table, header, i, **params) for i, (code, params) in sorted(errors.items())]
    return out


def midnight_problems(table: Table) -> list[Problem]:
    """TYP013: a date-time at exactly 00:00 is read as such (its cell shows a time), but it is far more often a
    date typed into a date-time cell without its time than a call at midnight: a warning, not an error."""
    out = []
    for column in table.model.columns:
        if column.kind != Kind.DATETIME or column.header not in table.columns or not len(table):
            continue
        values = pd.to_datetime(table.data[column.header], errors="coerce")
        midnight = (values.notna() & (values.dt.hour == 0) & (values.dt.minute == 0)).to_numpy()
        midnight = midnight & ~table.bad[column.header]
        out += [cell_problem("TYP013", table, column.header, i) for i in np.flatnonzero(midnight).tolist()]
    return out


def unique_together_problems(table: Table) -> list[Problem]:
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
        for i in np.flatnonzero(dup).tolist():
            key = tuple(keys.iloc[i])
            out.append(
                problem(
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
            )
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
        for i, key in enumerate(keys):
            if key is not None and key in seen and not table.bad[column.header][i]:
                out.append(cell_problem("COL006", table, column.header, i, file=seen[key]))
    return out


def validate(ctx: Context) -> list[Problem]:
    """All problems of one register workbook."""
    problems: list[Problem] = []
    for table in ctx.tables.values():
        problems += structure_problems(table)
        problems += type_problems(table)
        problems += midnight_problems(table)
        problems += check_columns(table, ctx.as_of)
        problems += unique_together_problems(table)
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
    return problems
