"""Customer-archive job (客户档案, §6): 客户维护提醒.

The customer-information rules say an important customer (重要客户) is looked after by two of the company's own
staff, a 主办 and a 协办业务员, and that a salesperson who leaves hands his customers over. One row per customer
that needs attention, its reminders joined with "；":

* 重要客户缺少协办业务员 — 重要客户 = 是 and 协办业务员 blank;
* 重要客户的协办业务员与主办业务员相同 — no *second* person in fact: the same text, or the same person named once
  by 工号 and once by 姓名 (resolved like validation's CUS003, :meth:`Lookups.staff_names`);
* 重要客户的协办业务员 X 不在员工名单中 — the only second person is not one of the company's staff (validation
  reports STF001 too), so the customer has no real second staff member;
* 主办业务员 X 已于 yyyy-mm-dd 离职，须交接 (and the same for 协办业务员) — the person is 离职 in 基础资料/员工
  (matched by 姓名 or 工号, as staff columns may hold either). Without a staff list, or with one that names nobody
  yet (a fresh root; validation warns REF003 / REF004), only the blank and same-text checks run.

Choice: customers whose 往来状态 is 终止 are left out (no business left to look after or hand over); 暂停 ones stay.
Rows are in 客户代码 order; the written sheet puts action first (issue 14, ``base.ORDER``): customers whose 主办业务员 has left (nobody looks after them now), then those whose
协办业务员 has left, then the 重要客户 without a real second staff member; within each, 客户代码 order, as the
archive is usually kept. Colours are conditional formats on 提醒: a hand-over (离职) red, the rest amber.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..xlsx.sheet_xml import BAD, NEUTRAL, look
from .base import ORDER, Job, JobInput, ResultTable, action_rank, day_text, source_cells

SHEET = "客户"
MAIN, SECOND = "主办业务员", "协办业务员"
NO_SECOND = "重要客户缺少协办业务员"
SAME_PERSON = "重要客户的协办业务员与主办业务员相同，须另指定一人"
UNKNOWN_SECOND = "重要客户的协办业务员 {who} 不在员工名单中，须另指定本公司人员"


def _departed(inp: JobInput) -> dict[str, str]:
    """姓名 of every staff member marked 离职 -> their leaving date as text ('' when unknown)."""
    staff = inp.lookups.staff
    if staff is None or staff.empty:
        return {}
    gone = staff[staff["在职状态"].eq("离职").fillna(False).astype(bool)]
    return {
        n: day_text(left)
        for n, left in zip(gone["姓名"], gone["离职日期"], strict=True)
        if isinstance(n, str)
    }


def _left_text(role: str, who: str, left: str) -> str:
    when = f"已于 {left} 离职" if left else "已离职"
    return f"{role} {who} {when}，须交接"


def reminder_sheet(inp: JobInput) -> ResultTable:
    table = inp.table(SHEET)
    data = table.data
    active = ~data["往来状态"].eq("终止").to_numpy(dtype=bool)
    important = data["重要客户"].eq(True).fillna(False).to_numpy(dtype=bool)
    main, second = data[MAIN], data[SECOND]
    # One person may be named by 工号 in one column and by 姓名 in the other: compare people, as CUS003 does.
    main_name, second_name = inp.lookups.staff_names(main), inp.lookups.staff_names(second)
    no_second = important & second.isna().to_numpy()
    same = important & (main.notna() & main_name.eq(second_name)).to_numpy(dtype=bool)
    staff = inp.lookups.staff
    unknown = np.zeros(len(data), dtype=bool)
    if staff is not None and staff["姓名"].notna().any():
        unknown = (
            important & ~no_second & ~same & ~second_name.isin(staff["姓名"].dropna().tolist()).to_numpy()
        )
    departed = _departed(inp)
    main_left = main_name.isin(list(departed)).to_numpy(dtype=bool)
    second_left = second_name.isin(list(departed)).to_numpy(dtype=bool)
    rows = np.flatnonzero(active & (no_second | same | unknown | main_left | second_left))

    notes: list[str] = []
    mains, seconds = main.tolist(), second.tolist()
    main_names, second_names = main_name.tolist(), second_name.tolist()
    for i in rows.tolist():
        parts = [NO_SECOND] if no_second[i] else [SAME_PERSON] if same[i] else []
        if unknown[i]:
            parts.append(UNKNOWN_SECOND.format(who=seconds[i]))
        if main_left[i]:
            parts.append(_left_text(MAIN, mains[i], departed[main_names[i]]))
        if second_left[i]:
            parts.append(_left_text(SECOND, seconds[i], departed[second_names[i]]))
        notes.append("；".join(parts))

    flag = data["重要客户"].to_numpy()[rows]
    frame = pd.DataFrame(
        {
            "客户代码": data["客户代码"].to_numpy()[rows],
            "客户名称": data["客户名称"].to_numpy()[rows],
            "重要客户": ["是" if v is True else "否" if v is False else None for v in flag],
            MAIN: main.to_numpy()[rows],
            SECOND: second.to_numpy()[rows],
            "提醒": notes,
            **source_cells(table, "客户代码", rows),
        }
    )
    rank = pd.Series(np.where(main_left[rows], 0, np.where(second_left[rows], 1, 2)), index=frame.index)
    frame = frame.sort_values("客户代码", kind="stable", na_position="last")
    # Action first in the written sheet (module notes); the frame stays in 客户代码 order.
    frame[ORDER] = action_rank(rank.loc[frame.index].to_numpy())
    return REMINDERS.result(frame.reset_index(drop=True), links={"客户代码": "客户代码"})


REMINDERS = Job(
    "客户维护提醒",
    ("客户代码", "客户名称", "重要客户", MAIN, SECOND, "提醒"),
    reminder_sheet,
    "没有需要补充业务员或交接的客户",
    highlights=(look("提醒", "contains", "离职", BAD), look("提醒", "contains", "重要客户", NEUTRAL)),
    notes={
        "提醒": "主办或协办业务员已离职（基础资料/员工）的须交接（《客户信息管理办法》第五条）；重要客户须有本公司第二人"
              "协办（第七条(3)）。排序：主办离职、协办离职、其余，各按客户代码。",
    },
)

JOBS: tuple[Job, ...] = (REMINDERS,)
