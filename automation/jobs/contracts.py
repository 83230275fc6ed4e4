"""Maintenance-contract job (保养合同, §6): 续约提醒, the renewal reminders.

The regulation asks for a renewal notice one month before a maintenance contract expires. A contract is listed
while its renewal is undecided — 合同状态 is neither 已续约 nor 已终止 and 续约结果 is neither 已续约 nor 不续约 —
and its 到期日期 is at most ``settings.notice_days`` days after the as-of day, or already past.

* 剩余天数 = 到期日期 − the as-of day in calendar days (0 on the expiry day, negative once past).
* 状态: 已过期未续约 once the expiry day has passed; otherwise 已寄通知 when 到期通知日期 is filled in, else 需寄通知.
  A notice sent later than ``settings.notice_days`` days before expiry (第十九条「期满前一个月」; validation warns
  CON007) shows as 已寄通知（晚于期满前 30 天）, so the clerk reading the sheet sees it was late without a column more.
* The frame is in expiry order; the written sheet puts action first (issue 14, ``base.ORDER``): 需寄通知 (a letter to send, 第十九条), soonest expiry first; then 已过期未续约 (a
  renewal to win back), the most recently expired first; then 已寄通知 (waiting for the customer), soonest expiry
  first. Contracts without a readable 到期日期 are left out (validation reports them).
* Colours are conditional formats: 需寄通知 amber, 已过期未续约 red, a late notice (晚于期满前 …) amber, 已寄通知
  green; 剩余天数 below 0 red.
* 续约拜访 (第十九条「并派员前往争取续约」): the visit recorded in the optional columns, or 未拜访; blank for a
  register without them.
* 通知书: for a 需寄通知 row, a link to the filled 保养到期通知书 (``通知书/<合同编号>_<客户名称>.docx`` beside the
  workbook), which :mod:`automation.notices` writes after the write-back from exactly these rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..notices import LINK_COLUMN, letter_links
from ..validators.rules.contracts import late_notice
from ..xlsx.sheet_xml import BAD, GOOD, NEUTRAL, look
from ..xlsx.table import Table
from .base import ORDER, Job, JobInput, ResultTable, action_rank, source_cells

SHEET = "保养合同"
SETTLED_STATES = ("已续约", "已终止")
SETTLED_RESULTS = ("已续约", "不续约")
TO_NOTIFY, NOTIFIED, EXPIRED = "需寄通知", "已寄通知", "已过期未续约"
VISIT, NOT_VISITED = "续约拜访", "未拜访"


def visits(table: Table, rows: np.ndarray) -> list[str | None]:
    """续约拜访 of the listed rows (第十九条「并派员前往争取续约」): 「2026-11-24 张伟 待定」 once a visit is recorded,
    未拜访 otherwise; blank throughout for a register from an older template without the 拜访日期 column."""
    if "拜访日期" not in table.columns:
        return [None] * len(rows)
    data = table.data
    out: list[str | None] = []
    for i in rows.tolist():
        day = data["拜访日期"].iloc[i]
        if pd.isna(day):
            out.append(NOT_VISITED)
            continue
        parts = [f"{day:%Y-%m-%d}", data["续约拜访人"].iloc[i], data["拜访结果"].iloc[i]]
        out.append(" ".join(str(p) for p in parts if isinstance(p, str)))
    return out


# 续约率 (issue 15, 第十九条): the window looked back over, in days, from the as-of day.
RENEWAL_YEAR_DAYS = 365


def renewal_decisions(table: Table, today: pd.Timestamp, notice_days: int) -> tuple[int, int]:
    """(renewed, decided) among the contracts whose 到期日期 falls in the last 12 months or in the 续约提醒 window
    ahead (today − 365 days … today + ``notice_days``): a renewal won early counts in the year it was won.

    The final 续约结果 decides (已续约 / 不续约); 合同状态 已续约 counts as renewed; without either, the customer's
    answer at the renewal visit (拜访结果 续约 / 不续约) does. 洽谈中, 待定 and blanks are undecided and left out, as
    is a contract 已终止 with no 续约结果 (ended for another reason). The summary's 续约率 is renewed ÷ decided."""
    data = table.data
    expiry = data["到期日期"]
    window = (expiry >= today - pd.Timedelta(days=RENEWAL_YEAR_DAYS)) & (expiry <= today + pd.Timedelta(days=notice_days))
    result = data["续约结果"]
    visit = data["拜访结果"] if "拜访结果" in table.columns else pd.Series(None, index=data.index, dtype=object)
    renewed = result.eq("已续约") | (~result.eq("不续约") & data["合同状态"].eq("已续约"))
    refused = result.eq("不续约")
    unsettled = ~renewed.fillna(False) & ~refused.fillna(False)
    renewed = renewed | (unsettled & visit.eq("续约"))
    refused = refused | (unsettled & visit.eq("不续约"))
    inside = window.fillna(False).to_numpy(dtype=bool)
    yes = renewed.fillna(False).to_numpy(dtype=bool) & inside
    no = refused.fillna(False).to_numpy(dtype=bool) & inside
    return int(yes.sum()), int(yes.sum() + no.sum())


def renewal_sheet(inp: JobInput) -> ResultTable:
    table = inp.table(SHEET)
    data = table.data
    expiry = data["到期日期"]
    left = (expiry - inp.today).dt.days
    open_ = ~data["合同状态"].isin(SETTLED_STATES) & ~data["续约结果"].isin(SETTLED_RESULTS)
    due = expiry.notna() & (left <= int(inp.settings.notice_days))
    rows = np.flatnonzero((open_ & due).to_numpy(dtype=bool))
    rows = rows[np.argsort(expiry.to_numpy()[rows], kind="stable")]

    days = left.to_numpy()[rows].astype(np.int64)
    notified = data["到期通知日期"].notna().to_numpy()[rows]
    late = late_notice(data, int(inp.settings.notice_days))[rows]
    sent = np.where(late, f"{NOTIFIED}（晚于期满前 {int(inp.settings.notice_days)} 天）", NOTIFIED)
    status = np.where(days < 0, EXPIRED, np.where(notified, sent, TO_NOTIFY)).astype(object)
    numbers, customers = data["合同编号"].to_numpy()[rows], data["客户名称"].to_numpy()[rows]
    letters = letter_links(numbers.tolist(), customers.tolist(), (status == TO_NOTIFY).tolist())
    frame = pd.DataFrame(
        {
            "合同编号": numbers,
            "客户代码": data["客户代码"].to_numpy()[rows],
            "客户名称": customers,
            "到期日期": expiry.to_numpy()[rows],
            "剩余天数": days,
            "到期通知日期": data["到期通知日期"].to_numpy()[rows],
            "状态": status,
            LINK_COLUMN: pd.Series(letters, dtype=object),
            VISIT: visits(table, rows),
            # Action first in the written sheet (module notes); the frame stays in expiry order.
            ORDER: action_rank(np.where(days < 0, 1, np.where(notified, 2, 0)), np.where(days < 0, -days, days)),
            **source_cells(table, "合同编号", rows),
        }
    )
    return RENEWALS.result(frame, links={"合同编号": "合同编号"}, settings=inp.settings)


RENEWALS = Job(
    "续约提醒",
    ("合同编号", "客户代码", "客户名称", "到期日期", "剩余天数", "到期通知日期", "状态", LINK_COLUMN, VISIT),
    renewal_sheet,
    "近期没有需要续约的保养合同",
    highlights=(
        look("状态", "equal", EXPIRED, BAD, bold=True),
        look("状态", "equal", TO_NOTIFY, NEUTRAL, bold=True),
        look("状态", "contains", "晚于", NEUTRAL),
        look("状态", "contains", NOTIFIED, GOOD),
        look("剩余天数", "lt", 0, BAD),
    ),
    notes={
        "剩余天数": "到期日期减计算日的日历天数；负数表示已过期。",
        "状态": "未续约、未终止且 {notice_days} 天内到期或已过期的合同：已过到期日为已过期未续约；填了到期通知日期为"
              "已寄通知（通知晚于期满前 {notice_days} 天另行注明），否则为需寄通知（《售后服务管理制度》第十九条）。"
              "排序：需寄通知、已过期未续约、已寄通知。",
        LINK_COLUMN: "需寄通知的合同，系统据模板填好的保养到期通知书（Word，有 LibreOffice 时另有 PDF）。",
        VISIT: "派员前往争取续约的记录（《售后服务管理制度》第十九条）：拜访日期、续约拜访人和拜访结果；登记簿有拜访日期列"
               "而未填的为未拜访。",
    },
)

EQUIPMENT = "客户设备"
NO_CONTRACT, ENDED = "保修将到期", "保修已过"


def warranty_sheet(inp: JobInput) -> ResultTable:
    """保修到期: the machines of the equipment file (客户设备, 售后 第六条(3)) whose free warranty ends within the
    next ``notice_days`` days or ended within the last ``notice_days``, and that no maintenance contract covers:
    from then on a call is paid (A) unless a contract (B) is signed, so this is when to offer one. Soonest end
    first; machines without a readable 保修截止日期 are left out (validation reports them)."""
    table = inp.tables.get(EQUIPMENT)
    if table is None:
        return WARRANTY.empty()
    data = table.data
    ends = data["保修截止日期"]
    left = (ends - inp.today).dt.days
    window = int(inp.settings.notice_days)
    # Truly blank: a 保养合同编号 that could not be read has its own problem and is not taken for "no contract".
    near = ends.notna() & (left <= window) & (left >= -window) & table.blank["保养合同编号"]
    rows = np.flatnonzero(near.to_numpy(dtype=bool))
    rows = rows[np.argsort(ends.to_numpy()[rows], kind="stable")]
    days = left.to_numpy()[rows].astype(np.int64)
    frame = pd.DataFrame(
        {
            "出厂编号": data["出厂编号"].to_numpy()[rows],
            "客户代码": data["客户代码"].to_numpy()[rows],
            "客户名称": data["客户名称"].to_numpy()[rows],
            "商品型号": data["商品型号"].to_numpy()[rows],
            "销售日期": data["销售日期"].to_numpy()[rows],
            "保修截止日期": ends.to_numpy()[rows],
            "剩余天数": days,
            "状态": np.where(days < 0, ENDED, NO_CONTRACT).astype(object),
            **source_cells(table, "出厂编号", rows),
        }
    )
    return WARRANTY.result(frame, links={"出厂编号": "出厂编号"}, settings=inp.settings)


WARRANTY = Job(
    "保修到期",
    ("出厂编号", "客户代码", "客户名称", "商品型号", "销售日期", "保修截止日期", "剩余天数", "状态"),
    warranty_sheet,
    "近期没有保修到期而未签保养合同的设备（客户设备表为空或没有此表时也显示本句）",
    highlights=(look("状态", "equal", ENDED, BAD, bold=True), look("状态", "equal", NO_CONTRACT, NEUTRAL, bold=True)),
    notes={
        "剩余天数": "保修截止日期减计算日的日历天数；负数表示保修已过。",
        "状态": "客户设备中没有保养合同、保修在前后 {notice_days} 天内截止的设备：保修期满后的叫修为有费服务（A 类），"
              "可向客户推荐保养合同（《售后服务管理制度》第六条）。",
    },
)

JOBS: tuple[Job, ...] = (RENEWALS, WARRANTY)
