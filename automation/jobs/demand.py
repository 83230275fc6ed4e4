"""Demand-information job (需求信息, §6): 信息汇总.

One flat table (one header row, so it filters and sorts like any other result sheet) holding up to four blocks,
told apart by the 类别 column; each block ends with a 合计 row:

============  =====================  ================  =====  ===========================  ========  ======
类别          项目                   月份              条数   提供人 / 提供人部门          奖励金额  说明
============  =====================  ================  =====  ===========================  ========  ======
按来源×月份   信息来源               yyyy-mm of 登记日期  count
按部门        提供人部门 (or 未填部门)                      count
应付奖励      信息编号 (linked)      yyyy-mm of 登记日期         who provided it              amount
未计入奖励    信息编号 (linked)      yyyy-mm of 登记日期         who provided it              amount    why
============  =====================  ================  =====  ===========================  ========  ======

* 按来源×月份: newest month first, sources in the register's order; rows without a readable 登记日期 or 信息来源
  are not counted here.
* 按部门: every row, most information first.
* 应付奖励: only rewards validation accepts, in 登记日期 order: 奖励金额 > 0, earned (采用情况 = 已采用 or 使用价值 =
  高, else DEM001), within settings demand.reward_min..reward_max (else DEM002; the same check,
  :func:`~automation.validators.rules.demand.reward_checks`) and with a 提供人 to pay. The register has no "paid"
  column, so every such reward is listed; the 合计 is theirs alone.
* 未计入奖励: every other row where a reward was typed (奖励金额 > 0, or a 奖励金额 that cannot be read), with the
  reasons in 说明, so nothing typed silently disappears; the 应付奖励 合计 row says how many were left out. The
  clerk corrects them (the problems are in 校验结果) and they are paid after the next run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registers.demand import SOURCES
from ..settings import Settings
from ..validators.rules.demand import reward_checks
from ..xlsx.table import Table
from .base import CELL, SHEET, Job, JobInput, ResultTable, source_cells

DEMAND_SHEET = "需求信息"
BY_SOURCE, BY_DEPARTMENT, REWARDS, LEFT_OUT = "按来源×月份", "按部门", "应付奖励", "未计入奖励"
NO_DEPARTMENT = "（未填部门）"
TOTAL = "合计"
HEADERS = ("类别", "项目", "月份", "条数", "提供人", "提供人部门", "奖励金额", "说明")
LEFT_OUT_NOTE = "另有 {n} 条奖励未计入（见下方「未计入奖励」），请按「校验结果」更正"
LEFT_OUT_TOTAL = "未计入应付奖励；更正后再次运行即计入"


def _block(kind: str, columns: dict[str, object], n: int) -> pd.DataFrame:
    frame = pd.DataFrame({"类别": [kind] * n, **columns})
    return frame.reindex(columns=[*HEADERS, CELL, SHEET])


def _total(kind: str, count: int, amount: float | None = None, note: str | None = None) -> pd.DataFrame:
    return _block(kind, {"项目": [TOTAL], "条数": [count], "奖励金额": [amount], "说明": [note]}, 1)


def _reasons(table: Table, settings: Settings) -> tuple[np.ndarray, list[str]]:
    """(payable per row, why each other typed reward is left out: '' where nothing is)."""
    data = table.data
    paid, undeserved, outside = reward_checks(data, settings)
    no_provider = ~table.filled("提供人")
    unreadable = table.bad["奖励金额"]
    parts = (
        (unreadable, "奖励金额无法识别"),
        (undeserved, "不符合奖励条件（须已采用或使用价值为高）"),
        (outside, f"奖励金额超出 {settings.reward_min:g}–{settings.reward_max:g} 元"),
        (no_provider & (paid | unreadable), "未填提供人"),
    )
    why = ["；".join(text for mask, text in parts if mask[i]) for i in range(len(data))]
    return paid & ~undeserved & ~outside & ~no_provider, why


def _reward_rows(data: pd.DataFrame, table: Table, month: pd.Series, rows: np.ndarray) -> dict[str, object]:
    return {
        "项目": data["信息编号"].to_numpy()[rows],
        "月份": month.to_numpy()[rows],
        "提供人": data["提供人"].to_numpy()[rows],
        "提供人部门": data["提供人部门"].to_numpy()[rows],
        "奖励金额": data["奖励金额"].to_numpy(dtype=np.float64)[rows],
        **source_cells(table, "信息编号", rows),
    }


def summary_sheet(inp: JobInput) -> ResultTable:
    table = inp.table(DEMAND_SHEET)
    data = table.data
    month = data["登记日期"].dt.strftime("%Y-%m")
    blocks: list[pd.DataFrame] = []

    counted = data["登记日期"].notna() & data["信息来源"].notna()
    if counted.any():
        by_source = (
            pd.DataFrame({"月份": month[counted], "项目": data["信息来源"][counted]})
            .groupby(["月份", "项目"])
            .size()
            .rename("条数")
            .reset_index()
        )
        order = {s: k for k, s in enumerate(SOURCES)}
        by_source["_rank"] = by_source["项目"].map(order)
        by_source = by_source.sort_values(["月份", "_rank"], ascending=[False, True], kind="stable")
        blocks.append(_block(BY_SOURCE, by_source.drop(columns="_rank").to_dict("list"), len(by_source)))
        blocks.append(_total(BY_SOURCE, int(by_source["条数"].sum())))

    if len(data):
        department = data["提供人部门"].fillna(NO_DEPARTMENT)
        by_dept = department.value_counts(sort=False).rename("条数").rename_axis("项目").reset_index()
        by_dept = by_dept.sort_values(["条数", "项目"], ascending=[False, True], kind="stable")
        blocks.append(_block(BY_DEPARTMENT, by_dept.to_dict("list"), len(by_dept)))
        blocks.append(_total(BY_DEPARTMENT, len(data)))

    payable, why = _reasons(table, inp.settings)
    by_day = np.argsort(data["登记日期"].to_numpy(), kind="stable")
    rows = by_day[payable[by_day]]
    left = by_day[np.array([bool(w) for w in why], dtype=bool)[by_day]]
    if len(rows) or len(left):
        amount = float(data["奖励金额"].to_numpy(dtype=np.float64)[rows].sum())
        note = LEFT_OUT_NOTE.format(n=len(left)) if len(left) else None
        if len(rows):
            blocks.append(_block(REWARDS, _reward_rows(data, table, month, rows), len(rows)))
        blocks.append(_total(REWARDS, len(rows), amount, note))
    if len(left):
        columns = _reward_rows(data, table, month, left) | {"说明": [why[i] for i in left.tolist()]}
        blocks.append(_block(LEFT_OUT, columns, len(left)))
        blocks.append(_total(LEFT_OUT, len(left), None, LEFT_OUT_TOTAL))

    if not blocks:
        return SUMMARY.empty()
    frame = pd.concat(blocks, ignore_index=True)
    counts = [None if pd.isna(v) else int(v) for v in frame["条数"].tolist()]
    frame["条数"] = pd.Series(counts, dtype=object)  # whole numbers, blank on reward rows
    return SUMMARY.result(frame, links={"项目": "信息编号"})


SUMMARY = Job("信息汇总", HEADERS, summary_sheet, "需求信息登记簿中还没有记录")

JOBS: tuple[Job, ...] = (SUMMARY,)
