"""What a rule function sees: the workbook's tables, the lookups from other registers, settings and as-of time.

Rules are plain functions ``rule(ctx) -> Iterable[Problem]``. :meth:`Context.flag` turns a boolean row mask into
problems at one column's cells, so a rule is usually a few lines of vectorised pandas. It lists at most
``settings.problems_per_kind`` of them and sums up the rest in one problem (:func:`cell_problems`), so an
error-dense sheet never makes a problem object per cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..catalogue import problem
from ..problems import Problem, summarised
from ..registers import Register
from ..settings import Settings
from ..xlsx.table import Table

# What call-in rules look up in the branch's maintenance contracts (第六条(2): whose, when, still in force, which models).
CONTRACT_LOOKUP = ("合同编号", "客户代码", "开始日期", "到期日期", "合同状态", "续约结果", "商品型号")
# What call-in rules look up in the branch's equipment file (保养合同/客户设备): whose machine, under warranty until
# when, under which contract.
EQUIPMENT_LOOKUP = ("出厂编号", "客户代码", "商品型号", "保修截止日期", "保养合同编号")
CONTRACT_UNREADABLE = "_合同编号无法读取"  # beside EQUIPMENT_LOOKUP: the 保养合同编号 cell holds what could not be read
# What the worklog's report chain looks up in the branch's call-ins (who worked on a call, and when) and workshop.
CALL_WORK_LOOKUP = ("登记号", "派工技术员", "到达时间", "完成时间")
REPAIR_WORK_LOOKUP = ("登记号", "收据号", "维修技术员", "修妥日期")


@dataclass
class Lookups:
    """Facts from other registers that rules check references against; None where the register is absent."""

    staff: pd.DataFrame | None = None  # 姓名, 工号, 岗位, 在职状态, 离职日期
    units: frozenset[str] = frozenset()  # the head office and every branch folder
    customers: Mapping[str, str] | None = None  # 客户代码 -> 客户名称
    contracts: pd.DataFrame | None = None  # this branch: the columns of CONTRACT_LOOKUP
    equipment: pd.DataFrame | None = None  # EQUIPMENT_LOOKUP and CONTRACT_UNREADABLE; None: no 客户设备 sheet kept
    callin_ids: frozenset[str] | None = None  # this branch's 登记号 (every call-in file of the folder)
    call_work: pd.DataFrame | None = None  # this branch's calls: CALL_WORK_LOOKUP
    repair_work: pd.DataFrame | None = None  # this branch's workshop items: REPAIR_WORK_LOOKUP
    item_callin_ids: frozenset[str] | None = None  # 登记号 in this branch's items register
    calendar_overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    # Years a 节假日调整 row of 类型「全年已录入」 declares complete (a marker, not an override of its day).
    calendar_complete_years: frozenset[int] = frozenset()
    # The same register's other workbooks in this folder (叫修登记簿-2025.xlsx beside 叫修登记簿-2026.xlsx):
    # sheet name -> their tables, for uniqueness across files.
    siblings: Mapping[str, list[Table]] = field(default_factory=dict)

    def staff_names(self, values: pd.Series) -> pd.Series:
        """Staff cells as the person's 姓名 (a cell may hold the 姓名 or the 工号), so one person is one key;
        values not in the staff list, and numbers of a row without a 姓名, stay as they are."""
        if self.staff is None or not len(values):
            return values
        names = {c: n for c, n in zip(self.staff["工号"].tolist(), self.staff["姓名"].tolist(), strict=True) if isinstance(n, str)}
        names.update({n: n for n in self.staff["姓名"].tolist() if n is not None})
        return values.map(lambda v: names.get(v, v) if isinstance(v, str) else v)


@dataclass
class Context:
    register: Register
    workbook: str
    branch: str
    tables: dict[str, Table]
    settings: Settings
    as_of: dt.datetime
    lookups: Lookups

    def table(self, sheet: str) -> Table:
        return self.tables[sheet]

    @property
    def today(self) -> np.datetime64:
        return np.datetime64(self.as_of.date(), "s")

    def flag(
        self,
        code: str,
        table: Table,
        mask: pd.Series | np.ndarray,
        column: str,
        **params: object,
    ) -> list[Problem]:
        """One problem per row where ``mask`` holds, at ``column``'s cell.

        Parameter values that are arrays or Series are taken per row; cells that could not be read are skipped
        (they already have their problem).
        """
        rows = np.flatnonzero(np.asarray(mask, dtype=bool) & ~table.bad[column])
        return cell_problems(
            code, table, column, rows.tolist(), self.settings.problems_per_kind,
            lambda i: {k: _at(v, i) for k, v in params.items()},
        )  # fmt: skip


def cell_problems(
    code: str,
    table: Table,
    column: str,
    rows: Sequence[int],
    limit: int,
    per_row: Callable[[int], dict[str, object]] | None = None,
    **params: object,
) -> list[Problem]:
    """Problems of ``code`` at ``column``'s cells of data rows ``rows``: the first ``limit`` one by one, the rest
    as one summary at the first of them (only the listed ones and that one are ever built)."""
    def one(i: int) -> Problem:
        return cell_problem(code, table, column, i, **(per_row(i) if per_row else {}), **params)

    if len(rows) <= limit + 1:
        return [one(i) for i in rows]
    out = [one(i) for i in rows[:limit]]
    rest = rows[limit:]
    out.append(summarised(one(rest[0]), table.excel_rows[list(rest[1:])].tolist()))
    return out


def cell_problem(code: str, table: Table, column: str, i: int, **params: object) -> Problem:
    """A problem at the cell of data row ``i`` in ``column``; the value defaults to what was entered there."""
    value = params.pop("value", table.value(column, i))
    return problem(
        code,
        workbook=table.workbook,
        sheet=table.sheet,
        cell=table.cell(column, i),
        row=int(table.excel_rows[i]),
        column=column,
        value=value,
        article=table.model.column(column).article,
        **params,
    )


def _at(value: object, i: int) -> object:
    """A per-row parameter's value at row ``i``; dates are shown as yyyy-mm-dd (looked up only for flagged rows)."""
    if isinstance(value, pd.Series):
        value = value.iloc[i]
    elif isinstance(value, np.ndarray | list):
        value = value[i]
    if isinstance(value, np.datetime64 | pd.Timestamp | dt.datetime | dt.date):
        return day_text(value)
    return value


def day_text(value: object) -> str:
    """A date-ish value as yyyy-mm-dd for messages."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    ts = pd.Timestamp(value)
    # Not strftime: it refuses days outside 1677-2262 (a mistyped year such as 0026), which are still dates here.
    return "" if pd.isna(ts) else f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"


def yes(series: pd.Series) -> pd.Series:
    """Rows holding 是 (True) in a yes/no column; blank and unreadable are not yes."""
    return series.eq(True).fillna(False).astype(bool) if len(series) else series.astype(bool)


def filled(table: Table, header: str) -> np.ndarray:
    """Rows where the cell holds a readable value."""
    return table.filled(header)


def blank(table: Table, header: str) -> np.ndarray:
    return table.blank[header]


def concat(parts: Iterable[Iterable[Problem]]) -> list[Problem]:
    return [p for part in parts for p in part]
