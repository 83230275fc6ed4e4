"""Call-in jobs (叫修登记簿, §6): 派工时限, 次日优先派工, 收费核对.

Deadline of a call = 来电时间 + ``settings.urban_hours`` (市区) or ``settings.suburban_hours`` (郊区) working hours
(§5), computed for all rows at once with :meth:`WorkCalendar.add_working_minutes`. Rows whose 来电时间 or 区域 is
blank or unreadable have no deadline and are left out of the deadline sheets; so are calls dated after the as-of
instant (they have not happened yet as of the run; validation reports them as future dates).

Choices (the spec is silent):

* A call is *open* while its 完成时间 cell is blank; an unreadable 完成时间 counts as filled in (someone wrote that
  the call is done; the reading problem is reported by validation).
* Late means arriving (or, not arrived, the as-of instant being) strictly after the deadline, to the minute; the
  lateness is the working time in between (so arriving 17:20 for a 17:00 deadline is 超时 by 0.00 working hours).
  超时(工时) is blank for calls that are not late.
* 次日优先派工 lists open calls with blank 派工时间 *and* blank 到达时间 (a technician who arrived was dispatched).
* 收费核对 also lists the receivables where the register has the optional columns (第九条): 应收未收 (invoiced to
  collect later, 收款日期 blank; with the days since 开票日期) and 未交会计员 (当场收费, 交会计员日期 blank).
* 收费核对: 未开票 is not reported for 带回修理 calls, whose invoice is issued when the item is returned and is
  checked in 客户商品进出登记簿 (§2.6). A call paid on the spot (收费方式 当场收费, 第九条) mails its invoice
  afterwards: without 发票号 it is listed as 待补寄发票 until the number is filled in, and a later 开票日期 is fine.
* Rows of the written sheets come in the order of what must be done (issue 14; the frames keep call order for
  the summary and the digest, ``base.ORDER`` holds the sheet's order). 派工时限: 未到达(已超时) first, the longest overdue
  (earliest 应到达时间) first; then the other open calls, due soonest first; then the calls that arrived, the most
  recent call first (the history a supervisor checks is yesterday's, and the oldest are about to leave the
  window). 次日优先派工: earliest deadline first, which puts the calls already late (negative 剩余) at the top.
  收费核对: by completion.
* Status colours are conditional formats (they follow the cells when staff sort or filter): 未到达(已超时) bold red,
  超时 red, 未到达(未超时) amber, 按时 green; in 次日优先派工 a 剩余(工时) below 0 red and up to 1 amber (late, or
  within the next working hour, as the morning digest counts it).
* Working time is counted only between 1990 and 2100, the years the reader accepts as date serial numbers: a
  来电时间, 到达时间 or 完成时间 outside them (a mistyped year, 0206 or 9026) counts as unreadable in these
  sheets (the arrival is still shown as typed). One such cell would otherwise ask the calendar for centuries of
  days and leave the whole sheet empty.
* A year without holiday data (SPEC §5: neither chinesecalendar nor declared complete by the admin): every row of
  派工时限 and 次日优先派工 that depends on it says so in a last column 说明 ("2027 年节假日未录入，本行时间按周一至
  周五推算"; blank otherwise). A row depends on the years from its 来电时间 to its 应到达时间 and its arrival (or,
  not arrived, the as-of instant). The CLD001 warning is given once per year, on 派工时限, which lists every open
  call and so every row of 次日优先派工 too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..validators.rules.callins import paid_on_the_spot
from ..xlsx.sheet_xml import BAD, GOOD, NEUTRAL, look
from ..xlsx.table import Table
from .base import (
    ORDER,
    Job,
    JobInput,
    ResultTable,
    action_rank,
    calendar_notes,
    calendar_warnings,
    hours,
    source_cells,
)

SHEET = "叫修登记"
URBAN, SUBURBAN = "市区", "郊区"
ON_TIME, LATE, OPEN_LATE, OPEN_OK = "按时", "超时", "未到达(已超时)", "未到达(未超时)"
NAT = np.datetime64("NaT", "m")
# The instants working time is counted between (see the module notes): 1990-01-01 to the end of 2100.
FIRST, END = np.datetime64("1990-01-01T00:00", "m"), np.datetime64("2101-01-01T00:00", "m")


def _minutes(series: pd.Series) -> np.ndarray:
    return series.to_numpy().astype("datetime64[m]")


def _counted(series: pd.Series) -> np.ndarray:
    """The instants of a column in minutes, NaT where outside FIRST..END (as if unreadable)."""
    values = _minutes(series)
    return np.where((values >= FIRST) & (values < END), values, NAT)


def deadlines(inp: JobInput) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows with a deadline, limit in hours, deadline as datetime64[m]) for every row of the call-in sheet."""
    data = inp.table(SHEET).data
    call = _counted(data["来电时间"])
    urban = data["区域"].eq(URBAN).to_numpy(dtype=bool)
    suburban = data["区域"].eq(SUBURBAN).to_numpy(dtype=bool)
    limit = np.where(urban, inp.settings.urban_hours, np.where(suburban, inp.settings.suburban_hours, np.nan))
    valid = ~np.isnat(call) & (urban | suburban) & (call <= inp.now)
    due = np.full(len(call), NAT)
    if valid.any():
        minutes = np.round(limit[valid] * 60).astype(np.int64)
        due[valid] = inp.calendar.add_working_minutes(call[valid], minutes)
    return valid, limit, due


def _seconds(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[s]")


def deadline_sheet(inp: JobInput) -> ResultTable:
    """派工时限: calls of the last ``window_days`` days and every open call, with deadline, arrival and lateness."""
    table = inp.table(SHEET)
    data = table.data
    valid, limit, due = deadlines(inp)
    call, shown = _counted(data["来电时间"]), _minutes(data["到达时间"])
    # A completed call without an arrival time was reached by its completion at the latest (CAL016 asks for it).
    arrival = _counted(data["到达时间"])
    arrival = np.where(np.isnat(arrival), _counted(data["完成时间"]), arrival)
    now = inp.now
    is_open = table.blank["完成时间"]
    recent = call >= now - np.timedelta64(int(inp.settings.window_days), "D")
    rows = np.flatnonzero(valid & (recent | is_open))
    rows = rows[np.argsort(call[rows], kind="stable")]

    call, arrival, shown, due, limit = call[rows], arrival[rows], shown[rows], due[rows], limit[rows]
    arrived = ~np.isnat(arrival)
    end = np.where(arrived, arrival, now)
    late = end > due
    over = inp.calendar.working_minutes_between(due, end) if len(rows) else np.zeros(0)
    status = np.where(arrived, np.where(late, LATE, ON_TIME), np.where(late, OPEN_LATE, OPEN_OK))
    frame = pd.DataFrame(
        {
            "登记号": data["登记号"].to_numpy()[rows],
            "来电时间": _seconds(call),
            "客户名称": data["客户名称"].to_numpy()[rows],
            "区域": data["区域"].to_numpy()[rows],
            "时限(工时)": limit,
            "应到达时间": _seconds(due),
            "到达时间": _seconds(shown),
            "状态": status.astype(object),
            "超时(工时)": np.where(late, hours(over), np.nan),
            "说明": calendar_notes(inp, call, due, end),
            # Action first (module notes): open and late, then open by deadline, then arrived, newest call first.
            ORDER: action_rank(np.where(arrived, 2, np.where(late, 0, 1)),
                               np.where(arrived, -call.astype(np.int64), due.astype(np.int64))),
            **source_cells(table, "登记号", rows),
        }
    )
    problems = calendar_warnings(inp, DEADLINES.name, call, due, end)
    return DEADLINES.result(frame, problems, links={"登记号": "登记号"}, settings=inp.settings)


def priority_sheet(inp: JobInput) -> ResultTable:
    """次日优先派工: open calls nobody has been dispatched to, earliest deadline first."""
    table = inp.table(SHEET)
    data = table.data
    valid, _limit, due = deadlines(inp)
    waiting = valid & table.blank["派工时间"] & table.blank["到达时间"] & table.blank["完成时间"]
    rows = np.flatnonzero(waiting)
    left = inp.calendar.working_minutes_between(inp.now, due[rows]) if len(rows) else np.zeros(0)
    call = _minutes(data["来电时间"])[rows]
    frame = pd.DataFrame(
        {
            "登记号": data["登记号"].to_numpy()[rows],
            "来电时间": _seconds(call),
            "客户名称": data["客户名称"].to_numpy()[rows],
            "地址": data["地址"].to_numpy()[rows],
            "电话": data["电话"].to_numpy()[rows],
            "区域": data["区域"].to_numpy()[rows],
            "应到达时间": _seconds(due[rows]),
            "剩余(工时)": hours(left),
            "说明": calendar_notes(inp, call, due[rows], np.full(len(rows), inp.now)),
            **source_cells(table, "登记号", rows),
        }
    )
    frame = frame.sort_values(["应到达时间", "来电时间", "登记号"], kind="stable", na_position="last")
    frame.insert(0, "顺序", np.arange(1, len(frame) + 1))
    return PRIORITY.result(frame.reset_index(drop=True), links={"登记号": "登记号"}, settings=inp.settings)


def receivable(table: Table, today: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """应收未收 (第九条「开票…以便另行前往收费」, 第十二条): completed paid (A) calls with a fee, invoiced to collect later
    (not 当场收费) and not collected yet (收款日期 blank), and the days since the invoice. Only where the register
    has the optional 收款日期 column: an older template records no collection, so nothing is owed as far as it says.
    A 收款日期 that could not be read counts as filled in (someone wrote that it was collected)."""
    data = table.data
    if "收款日期" not in table.columns:
        return np.zeros(len(data), dtype=bool), np.zeros(len(data), dtype=np.int64)
    invoiced = data["开票日期"]
    owed = (
        data["服务类别"].eq("A").to_numpy(dtype=bool)
        & data["完成时间"].notna().to_numpy()
        & (data["服务费"] > 0).to_numpy(dtype=bool)
        & ~paid_on_the_spot(table)
        & invoiced.notna().to_numpy()
        & table.blank["收款日期"]
    )
    days = (today - invoiced).dt.days.fillna(0).to_numpy(dtype=np.int64)
    return owed, days


def billing_sheet(inp: JobInput) -> ResultTable:
    """收费核对: completed paid (A) calls without a fee or invoice number (paid on the spot: invoice still to be
    mailed), or invoiced after the completion day when the invoice was due that day."""
    table = inp.table(SHEET)
    data = table.data
    done = data["完成时间"]
    paid = data["服务类别"].eq("A").to_numpy(dtype=bool) & done.notna().to_numpy()
    fee = data["服务费"].to_numpy(dtype=np.float64)
    no_fee = ~(fee > 0)
    workshop = data["处理方式"].eq("带回修理").to_numpy(dtype=bool)
    cash = paid_on_the_spot(table)
    no_invoice = data["发票号"].isna().to_numpy() & ~workshop
    invoiced_late = (data["开票日期"] > done.dt.normalize()).to_numpy(dtype=bool) & ~cash
    uncollected, owed_days = receivable(table, inp.today)
    charged = fee > 0
    # Cash on the spot not yet with the 会计员 (第九条), listed from the day of the call; the CAL021 warning waits.
    not_handed = charged & cash & table.blank["交会计员日期"]
    if "交会计员日期" not in table.columns:
        not_handed[:] = False  # an older template: the hand-over is not recorded, so it is not asked for
    rows = np.flatnonzero(paid & (no_fee | no_invoice | invoiced_late | uncollected | not_handed))
    rows = rows[np.argsort(done.to_numpy()[rows], kind="stable")]
    issues = [
        "；".join(
            text
            for flag, text in (
                (no_fee[i], "未收费"),
                (no_invoice[i], "待补寄发票" if cash[i] else "未开票"),
                (invoiced_late[i], "开票晚于完成日"),
                (uncollected[i], f"应收未收（开票后 {owed_days[i]} 天）"),
                (not_handed[i], "未交会计员"),
            )
            if flag
        )
        for i in rows.tolist()
    ]
    frame = pd.DataFrame(
        {
            "登记号": data["登记号"].to_numpy()[rows],
            "完成时间": done.to_numpy()[rows],
            "客户名称": data["客户名称"].to_numpy()[rows],
            "服务费": fee[rows],
            "发票号": data["发票号"].to_numpy()[rows],
            "开票日期": data["开票日期"].to_numpy()[rows],
            "问题": issues,
            **source_cells(table, "登记号", rows),
        }
    )
    return BILLING.result(frame, links={"登记号": "登记号"})


_LIMIT_NOTE = "按区域：市区 {urban_hours} 工时，郊区 {suburban_hours} 工时（《售后服务管理制度》第十八条；automation.toml 的 [sla]）。"
_DUE_NOTE = "来电时间加上时限(工时)，只计工作时间（工作日历：节假日、调休和 基础资料/节假日调整）。"
_CALENDAR_NOTE = "本行涉及的年份没有节假日数据时写明，时间按周一至周五推算；其余为空。"
DEADLINES = Job(
    "派工时限",
    ("登记号", "来电时间", "客户名称", "区域", "时限(工时)", "应到达时间", "到达时间", "状态", "超时(工时)", "说明"),
    deadline_sheet,
    "近期没有叫修，也没有未完成的叫修",
    highlights=(
        look("状态", "equal", OPEN_LATE, BAD, bold=True),
        look("状态", "equal", LATE, BAD),
        look("状态", "equal", OPEN_OK, NEUTRAL),
        look("状态", "equal", ON_TIME, GOOD),
    ),
    notes={
        "时限(工时)": _LIMIT_NOTE,
        "应到达时间": _DUE_NOTE,
        "到达时间": "登记簿的到达时间；未填而已完成的，以完成时间为到达时间。",
        "状态": "已到达：到达时间不晚于应到达时间为按时，否则超时。未到达：计算时间已过应到达时间为未到达(已超时)，"
              "否则未到达(未超时)。排序：未到达(已超时)在前，其次未到达的按应到达时间，最后已到达的按来电时间由近及远。",
        "超时(工时)": "应到达时间到到达时间（未到达的到计算时间）之间的工作时间，保留两位小数；未超时为空。",
        "说明": _CALENDAR_NOTE,
    },
)
PRIORITY = Job(
    "次日优先派工",
    ("顺序", "登记号", "来电时间", "客户名称", "地址", "电话", "区域", "应到达时间", "剩余(工时)", "说明"),
    priority_sheet,
    "当前没有待派工的叫修",
    highlights=(look("剩余(工时)", "lt", 0, BAD, bold=True), look("剩余(工时)", "le", 1, NEUTRAL)),
    notes={
        "顺序": "未完成、未派工、未到达的叫修，按应到达时间先后排列（《售后服务管理制度》第十七条）。",
        "应到达时间": _DUE_NOTE,
        "剩余(工时)": "计算时间到应到达时间之间的工作时间；负数表示已超时。小于 0 标红，1 工时以内标黄。",
        "说明": _CALENDAR_NOTE,
    },
)
BILLING = Job(
    "收费核对",
    ("登记号", "完成时间", "客户名称", "服务费", "发票号", "开票日期", "问题"),
    billing_sheet,
    "A 类叫修的收费和开票均无问题",
)

JOBS: tuple[Job, ...] = (DEADLINES, PRIORITY, BILLING)
