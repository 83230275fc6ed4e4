"""Demand-information job (需求信息, §6): 信息汇总.

One flat table (one header row, so it filters and sorts like any other result sheet) holding three blocks, told
apart by the 类别 column; each block ends with a 合计 row:

============  =====================  ================  =====  ===========================  ========
类别          项目                   月份              条数   提供人 / 提供人部门          奖励金额
============  =====================  ================  =====  ===========================  ========
按来源×月份   信息来源               yyyy-mm of 登记日期  count
按部门        提供人部门 (or 未填部门)                      count
应付奖励      信息编号 (linked)      yyyy-mm of 登记日期         who provided it              amount
============  =====================  ================  =====  ===========================  ========

* 按来源×月份: newest month first, sources in the register's order; rows without a readable 登记日期 or 信息来源
  are not counted here.
* 按部门: every row, most information first.
* 应付奖励: rows that earn a reward (采用情况 = 已采用 or 使用价值 = 高) with 奖励金额 > 0, in 登记日期 order. The
  register has no "paid" column, so every such reward is listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registers.demand import SOURCES
from .base import CELL, SHEET, Job, JobInput, ResultTable, source_cells

DEMAND_SHEET = "需求信息"
BY_SOURCE, BY_DEPARTMENT, REWARDS = "按来源×月份", "按部门", "应付奖励"
NO_DEPARTMENT = "（未填部门）"
TOTAL = "合计"
HEADERS = ("类别", "项目", "月份", "条数", "提供人", "提供人部门", "奖励金额")


def _block(kind: str, columns: dict[str, object], n: int) -> pd.DataFrame:
    frame = pd.DataFrame({"类别": [kind] * n, **columns})
    return frame.reindex(columns=[*HEADERS, CELL, SHEET])


def _total(kind: str, count: int, amount: float | None = None) -> pd.DataFrame:
    return _block(kind, {"项目": [TOTAL], "条数": [count], "奖励金额": [amount]}, 1)


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

    amount = data["奖励金额"].to_numpy(dtype=np.float64)
    earns = (data["采用情况"].eq("已采用") | data["使用价值"].eq("高")).to_numpy(dtype=bool) & (amount > 0)
    rows = np.flatnonzero(earns)
    if len(rows):
        rows = rows[np.argsort(data["登记日期"].to_numpy()[rows], kind="stable")]
        columns = {
            "项目": data["信息编号"].to_numpy()[rows],
            "月份": month.to_numpy()[rows],
            "提供人": data["提供人"].to_numpy()[rows],
            "提供人部门": data["提供人部门"].to_numpy()[rows],
            "奖励金额": amount[rows],
            **source_cells(table, "信息编号", rows),
        }
        blocks.append(_block(REWARDS, columns, len(rows)))
        blocks.append(_total(REWARDS, len(rows), float(amount[rows].sum())))

    if not blocks:
        return SUMMARY.empty()
    frame = pd.concat(blocks, ignore_index=True)
    counts = [None if pd.isna(v) else int(v) for v in frame["条数"].tolist()]
    frame["条数"] = pd.Series(counts, dtype=object)  # whole numbers, blank on reward rows
    return SUMMARY.result(frame, links={"项目": "信息编号"})


SUMMARY = Job("信息汇总", HEADERS, summary_sheet, "需求信息登记簿中还没有记录")

JOBS: tuple[Job, ...] = (SUMMARY,)
