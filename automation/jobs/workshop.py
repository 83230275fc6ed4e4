"""Workshop jobs (客户商品进出登记簿, §6): 逾期维修 and 在修商品.

Both look at items still in the workshop: a blank 归还日期 (an unreadable one counts as blank, so the item stays
visible until the date is fixed). Choices the spec leaves open:

* 逾期维修: no 修妥日期 and 约定完成日期 strictly before the as-of day; items already returned are not listed (they
  left the workshop; a return without 修妥日期 is a validation error). 逾期天数 counts calendar days. The most
  overdue item comes first.
* 在修商品: every item brought in (带回日期 not after the as-of day; an unreadable 带回日期 is kept) and not returned.
  状态 is 已修妥待取 once 修妥日期 is filled in, else 逾期 when 约定完成日期 has passed, else 维修中. The frame is
  in intake order (oldest first); the written sheet puts action first (issue 14, ``base.ORDER``): 逾期 (to report to the supervisor, 第十三条), the longest overdue first; then 已修妥待取 (the customer
  is to be told to collect), repaired longest ago first; then 维修中, due soonest first. Ties keep intake order.
* Colours are conditional formats: 逾期 red, 已修妥待取 blue, 维修中 none; 逾期天数 red from 7 days, amber below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..xlsx.sheet_xml import BAD, NEUTRAL, NOTICE, look
from .base import ORDER, Job, JobInput, ResultTable, action_rank, source_cells

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
    # Action first (module notes): overdue, then repaired and waiting, then in repair; unknown dates last.
    when = np.where(repaired, data["修妥日期"].to_numpy()[rows], data["约定完成日期"].to_numpy()[rows])
    when = when.astype("datetime64[D]")
    key = np.where(np.isnat(when), np.iinfo(np.int64).max, when.astype(np.int64))
    status = np.where(repaired, READY, np.where(late, OVERDUE, REPAIRING)).astype(object)
    frame = pd.DataFrame(
        {
            **_items(inp, rows),
            "修妥日期": data["修妥日期"].to_numpy()[rows],
            "状态": status,
            ORDER: action_rank(np.where(repaired, 1, np.where(late, 0, 2)), key),
            **source_cells(table, "收据号", rows),
        }
    )
    return IN_REPAIR.result(frame, links={"收据号": "收据号"})


OVERDUE_REPAIRS = Job(
    "逾期维修",
    (*ITEM_COLUMNS, "逾期天数", "处理"),
    overdue_sheet,
    "当前没有逾期未修妥的商品",
    highlights=(look("逾期天数", "ge", 7, BAD, bold=True), look("逾期天数", "gt", 0, NEUTRAL)),
    notes={
        "逾期天数": "计算日减约定完成日期的日历天数；未修妥、未归还且已过约定完成日期的商品才列出，逾期最久的在前。"
                    "7 天及以上标红。",
        "处理": "《售后服务管理制度》第十三条：逾期未修妥的，报服务主任处理。",
    },
)
IN_REPAIR = Job(
    "在修商品",
    (*ITEM_COLUMNS, "修妥日期", "状态"),
    in_repair_sheet,
    "当前没有在修的客户商品",
    highlights=(look("状态", "equal", OVERDUE, BAD), look("状态", "equal", READY, NOTICE)),
    notes={
        "状态": "已带回、未归还的商品：填了修妥日期为已修妥待取，否则过了约定完成日期为逾期，其余为维修中。"
              "排序：逾期（最久的在前）、已修妥待取、维修中（约定完成日期近的在前）。",
    },
)

JOBS: tuple[Job, ...] = (OVERDUE_REPAIRS, IN_REPAIR)
