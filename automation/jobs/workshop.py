"""Workshop jobs (客户商品进出登记簿, §6): 逾期维修 and 在修商品.

Both look at items still in the workshop: a blank 归还日期 (an unreadable one counts as blank, so the item stays
visible until the date is fixed). Choices the spec leaves open:

* 逾期维修: no 修妥日期 and 约定完成日期 strictly before the as-of day; items already returned are not listed (they
  left the workshop; a return without 修妥日期 is a validation error). 逾期天数 counts calendar days. The most
  overdue item comes first.
* 在修商品: every item brought in (带回日期 not after the as-of day; an unreadable 带回日期 is kept) and not returned.
  状态 is 已修妥待取 once 修妥日期 is filled in, else 逾期 when 约定完成日期 has passed, else 维修中. Oldest intake
  first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import Job, JobInput, ResultTable, source_cells

SHEET = "商品进出"
REPAIRING, READY, OVERDUE = "维修中", "已修妥待取", "逾期"
ITEM_COLUMNS = ("收据号", "登记号", "客户名称", "商品型号", "维修技术员", "带回日期", "约定完成日期")


def _in_workshop(inp: JobInput) -> np.ndarray:
    table = inp.table(SHEET)
    intake = table.data["带回日期"]
    arrived = ~(intake > inp.today).to_numpy(dtype=bool)
    return arrived & table.data["归还日期"].isna().to_numpy()


def _items(inp: JobInput, rows: np.ndarray) -> dict[str, object]:
    table = inp.table(SHEET)
    return {h: table.data[h].to_numpy()[rows] for h in ITEM_COLUMNS}


def overdue_sheet(inp: JobInput) -> ResultTable:
    """逾期维修: items not repaired whose agreed completion date is before the as-of day."""
    table = inp.table(SHEET)
    data = table.data
    due = data["约定完成日期"]
    late = _in_workshop(inp) & data["修妥日期"].isna().to_numpy() & (due < inp.today).to_numpy(dtype=bool)
    rows = np.flatnonzero(late)
    rows = rows[np.argsort(due.to_numpy()[rows], kind="stable")]
    days = (inp.today - due.iloc[rows]).dt.days.to_numpy(dtype=np.int64)
    frame = pd.DataFrame(
        {
            **_items(inp, rows),
            "逾期天数": days,
            "处理": ["报服务主任"] * len(rows),
            **source_cells(table, "收据号", rows),
        }
    )
    return OVERDUE_REPAIRS.result(frame, links={"收据号": "收据号"})


def in_repair_sheet(inp: JobInput) -> ResultTable:
    """在修商品: items in the workshop now, with their state."""
    table = inp.table(SHEET)
    data = table.data
    rows = np.flatnonzero(_in_workshop(inp))
    rows = rows[np.argsort(data["带回日期"].to_numpy()[rows], kind="stable")]
    repaired = data["修妥日期"].notna().to_numpy()[rows]
    late = (data["约定完成日期"] < inp.today).to_numpy(dtype=bool)[rows]
    status = np.where(repaired, READY, np.where(late, OVERDUE, REPAIRING)).astype(object)
    frame = pd.DataFrame(
        {
            **_items(inp, rows),
            "修妥日期": data["修妥日期"].to_numpy()[rows],
            "状态": status,
            **source_cells(table, "收据号", rows),
        }
    )
    return IN_REPAIR.result(frame, links={"收据号": "收据号"})


OVERDUE_REPAIRS = Job(
    "逾期维修",
    (*ITEM_COLUMNS, "逾期天数", "处理"),
    overdue_sheet,
    "当前没有逾期未修妥的商品",
)
IN_REPAIR = Job(
    "在修商品",
    (*ITEM_COLUMNS, "修妥日期", "状态"),
    in_repair_sheet,
    "当前没有在修的客户商品",
)

JOBS: tuple[Job, ...] = (OVERDUE_REPAIRS, IN_REPAIR)
