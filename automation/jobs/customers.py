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

* 重要客户已 N 天未联系（最近往来 yyyy-mm-dd） — the contact-report system of 第七条(3): the latest 往来记录 日期 of a
  重要客户 is more than ``customers.contact_days`` (default 90) days before the as-of day; 重要客户建档后没有往来记录
  when it has none and was filed (建档日期) longer ago than that (a customer filed last week is not behind yet; a
  blank 建档日期 counts as long ago). Only when the 往来记录 sheet is there: an old archive without it says nothing.
* 原业务员 X 已于 yyyy-mm-dd 离职，交接未完成：… — 第七条(4) after the 离职 person was replaced. The archive keeps no
  history of who was 主办, so a former salesperson is known from 往来记录: a 离职 person who is the 本公司人员 of one of
  the customer's records and is no longer its 主办/协办. The hand-over is done when the 主办业务员 is in service (the
  successor) and 往来记录 holds a record of the customer by someone else dated on or after the leaving date (the
  customer was told; on the day itself counts, as a leaver may still work that day, STF002). Until then the row
  says what is missing. While the leaver is still named 主办/协办 the reminder above (须交接) stands.

Choice: customers whose 往来状态 is 终止 are left out (no business left to look after or hand over); 暂停 ones stay.
Rows are in 客户代码 order; the written sheet puts action first (issue 14, ``base.ORDER``): customers whose 主办业务员 has left (nobody looks after them now), then those whose
协办业务员 has left, then the 重要客户 without a real second staff member; within each, 客户代码 order, as the
archive is usually kept. Colours are conditional formats on 提醒: a hand-over (离职) red, the rest amber.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registers import articles as a
from ..xlsx.sheet_xml import BAD, NEUTRAL, look
from .base import ORDER, Job, JobInput, ResultTable, action_rank, day_text, source_cells

SHEET = "客户"
CORRESPONDENCE = "往来记录"
MAIN, SECOND = "主办业务员", "协办业务员"
NO_SECOND = "重要客户缺少协办业务员"
SAME_PERSON = "重要客户的协办业务员与主办业务员相同，须另指定一人"
UNKNOWN_SECOND = "重要客户的协办业务员 {who} 不在员工名单中，须另指定本公司人员"
NOT_CONTACTED = "重要客户已 {days} 天未联系（最近往来 {last}，规定 {limit} 天内），须安排联系并记入往来记录"
NEVER_CONTACTED = "重要客户建档后没有往来记录（超过 {limit} 天），须安排联系并记入往来记录"
HANDOVER_OPEN = "原业务员 {who} {when}，交接未完成：{missing}"
NOT_TOLD = "往来记录中还没有{since}通知客户的记录"
NO_SUCCESSOR = "主办业务员须为在职的接替人员"


def overdue_contacts(reminders: pd.DataFrame) -> int:
    """Customers in a 客户维护提醒 frame with a contact-report reminder (第七条(3)): 未联系 for too long, or never
    contacted since filed — the summary's 重要客户超期未联系. Matched on the fixed start of those texts."""
    kinds = (NOT_CONTACTED.split("{")[0], NEVER_CONTACTED.split("（")[0])
    notes = reminders["提醒"].tolist() if "提醒" in reminders.columns else []
    # Counted in Python: on an empty object column pandas' sum is "" (a fresh root has no reminders).
    return sum(1 for text in notes if isinstance(text, str) and any(kind in text for kind in kinds))


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


def _leaving_days(inp: JobInput) -> dict[str, pd.Timestamp]:
    """姓名 of every staff member marked 离职 -> their leaving date (NaT when unknown)."""
    staff = inp.lookups.staff
    if staff is None or staff.empty:
        return {}
    gone = staff[staff["在职状态"].eq("离职").fillna(False).astype(bool)]
    return {n: pd.Timestamp(left) for n, left in zip(gone["姓名"], gone["离职日期"], strict=True) if isinstance(n, str)}


def _in_service(inp: JobInput) -> set[str]:
    """姓名 of the staff in service (a successor must be one of them)."""
    staff = inp.lookups.staff
    if staff is None or staff.empty:
        return set()
    here = staff[staff["在职状态"].eq("在职").fillna(False).astype(bool)]
    return {n for n in here["姓名"].tolist() if isinstance(n, str)}


def _contacts(inp: JobInput) -> pd.DataFrame | None:
    """The readable 往来记录 rows as (客户代码, 日期, 姓名 of 本公司人员); None when the sheet is not there (an old
    archive), so the contact and hand-over checks stay silent rather than calling every customer uncontacted."""
    table = inp.table(CORRESPONDENCE)
    if not table.found:
        return None
    data = table.data
    # A row whose date or code could not be read already carries its problem at the cell; it proves no contact.
    ok = (data["日期"].notna() & data["客户代码"].notna()).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "客户代码": data["客户代码"].to_numpy()[ok],
            "日期": pd.to_datetime(data["日期"].to_numpy()[ok]),
            "人员": inp.lookups.staff_names(data["本公司人员"]).to_numpy()[ok],
        }
    )


def _contact_notes(inp: JobInput, contacts: pd.DataFrame, codes: list, filed: list) -> dict[int, str]:
    """Row -> the 第七条(3) reminder of each 重要客户 row given (index, code) whose latest contact is too old."""
    limit = inp.settings.contact_days
    cutoff = inp.today - pd.Timedelta(days=limit)
    last = contacts.groupby("客户代码")["日期"].max().to_dict()
    notes: dict[int, str] = {}
    for i, code in codes:
        latest = last.get(code)
        if latest is None:
            since = pd.Timestamp(filed[i]) if filed[i] is not None else pd.NaT
            if pd.isna(since) or since < cutoff:
                notes[i] = NEVER_CONTACTED.format(limit=limit)
        elif latest < cutoff:
            days = (inp.today - latest).days
            notes[i] = NOT_CONTACTED.format(days=days, last=day_text(latest), limit=limit)
    return notes


def _handover_notes(
    inp: JobInput, contacts: pd.DataFrame, code: object, named: set[str], main_ok: bool, leaving: dict[str, pd.Timestamp]
) -> list[str]:
    """The 第七条(4) reminders of one customer for former salespeople found in its 往来记录 (module notes)."""
    mine = contacts[contacts["客户代码"].eq(code).to_numpy(dtype=bool)]
    notes = []
    for who in sorted({p for p in mine["人员"].tolist() if p in leaving and p not in named}):
        left = leaving[who]
        by_others = mine[mine["人员"].ne(who).to_numpy(dtype=bool)]
        # Unknown leaving date: any record by someone else shows the customer is being looked after.
        told = bool(len(by_others)) and (pd.isna(left) or bool((by_others["日期"] >= left).any()))
        missing = ([] if main_ok else [NO_SUCCESSOR]) + ([] if told else [NOT_TOLD.format(since=_since(left))])
        if missing:
            when = f"已于 {day_text(left)} 离职" if not pd.isna(left) else "已离职"
            notes.append(HANDOVER_OPEN.format(who=who, when=when, missing="，".join(missing)))
    return notes


def _since(left: pd.Timestamp) -> str:
    return "离职后" if pd.isna(left) else f" {day_text(left)} 当天或之后"


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

    mains, seconds = main.tolist(), second.tolist()
    main_names, second_names = main_name.tolist(), second_name.tolist()
    codes = data["客户代码"].tolist()
    contacts = _contacts(inp)
    contact: dict[int, str] = {}
    handover: dict[int, list[str]] = {}
    if contacts is not None:
        wanted = [(i, codes[i]) for i in np.flatnonzero(active & important).tolist() if codes[i] is not None]
        filed = data["建档日期"].tolist()
        contact = _contact_notes(inp, contacts, wanted, filed)
        leaving, serving = _leaving_days(inp), _in_service(inp)
        if leaving:
            for i in np.flatnonzero(active).tolist():
                named = {n for n in (main_names[i], second_names[i]) if isinstance(n, str)}
                found = _handover_notes(inp, contacts, codes[i], named, main_names[i] in serving, leaving)
                if found:
                    handover[i] = found
    later = np.zeros(len(data), dtype=bool)
    later[list(contact) + list(handover)] = True
    rows = np.flatnonzero(active & (no_second | same | unknown | main_left | second_left | later))

    notes: list[str] = []
    for i in rows.tolist():
        parts = [NO_SECOND] if no_second[i] else [SAME_PERSON] if same[i] else []
        if unknown[i]:
            parts.append(UNKNOWN_SECOND.format(who=seconds[i]))
        if main_left[i]:
            parts.append(_left_text(MAIN, mains[i], departed[main_names[i]]))
        if second_left[i]:
            parts.append(_left_text(SECOND, seconds[i], departed[second_names[i]]))
        parts.extend(handover.get(i, []))
        if i in contact:
            parts.append(contact[i])
        notes.append("；".join(parts))
    pending = np.array([i in handover for i in rows.tolist()], dtype=bool)

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
    # An unfinished hand-over ranks with a departed 协办: somebody has left the customer's side.
    rank = pd.Series(np.where(main_left[rows], 0, np.where(second_left[rows] | pending, 1, 2)), index=frame.index)
    frame = frame.sort_values("客户代码", kind="stable", na_position="last")
    # Action first in the written sheet (module notes); the frame stays in 客户代码 order.
    frame[ORDER] = action_rank(rank.loc[frame.index].to_numpy())
    return REMINDERS.result(frame.reset_index(drop=True), links={"客户代码": "客户代码"})


REMINDERS = Job(
    "客户维护提醒",
    ("客户代码", "客户名称", "重要客户", MAIN, SECOND, "提醒"),
    reminder_sheet,
    "没有需要补充业务员、联系或交接的客户",
    highlights=(look("提醒", "contains", "离职", BAD), look("提醒", "contains", "重要客户", NEUTRAL)),
    notes={
        "提醒": f"主办或协办业务员已离职（基础资料/员工）的须交接（{a.INFO_LEAVER}）；接替后须通知客户、由在职人员主办，"
              f"往来记录中有离职日起的通知记录才算交接完成（{a.INFO_HANDOVER}）；重要客户须有本公司第二人协办，"
              f"且按设置 customers.contact_days 的天数内须有往来记录（{a.INFO_TWO_STAFF}）。"
              "排序：主办离职、协办离职或交接未完成、其余，各按客户代码。",
    },
)

JOBS: tuple[Job, ...] = (REMINDERS,)
