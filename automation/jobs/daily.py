"""Worklog jobs (技术员工作日报表, §6): 服务主任日报, the service supervisor's daily report, and 日报缺失, the breaks in
the report chain of 售后 第十四–十六条 (see :func:`report_chain`).

One row per 日期 × 技术员 with the number of work entries (件数) and the hours (工时) per service category A/B/C
and in total, then one 合计 row per day, and the branch manager's review of that day from the 日报核阅 sheet:
``已核阅 yyyy-mm-dd`` (the 核阅日期; just 已核阅 when it is blank), ``未核阅``, or ``无核阅记录`` when the sheet has no
row for that day.

Choices:

* All days are listed (one groupby over the whole sheet), **newest day first**; within a day technicians are in
  name order and the 合计 row comes last.
* 件数 counts the technician's rows of that day (each row of 工作日报 is one piece of work).
* Rows without a readable 日期 or 技术员, and rows dated after the as-of day, are left out. A row whose 服务类别 is
  blank or unreadable counts in 合计 but in none of A/B/C (so the difference shows); a blank 工时 counts as 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..xlsx.sheet_xml import BAD, NEUTRAL, look
from ..xlsx.table import Table
from .base import Job, JobInput, ResultTable, day_text

SHEET, REVIEW_SHEET = "工作日报", "日报核阅"
CATEGORIES = ("A", "B", "C")
TOTAL = "合计"
REVIEWED, NOT_REVIEWED, NO_RECORD = "已核阅", "未核阅", "无核阅记录"
COUNTS = tuple(f"{c}{what}" for c in CATEGORIES for what in ("件数", "工时"))
HEADERS = ("日期", "技术员", *COUNTS, "合计件数", "合计工时", "经理核阅")


def _review_status(inp: JobInput) -> dict[pd.Timestamp, str]:
    """日期 -> review status text, from the first row of each day in 日报核阅."""
    review = inp.tables.get(REVIEW_SHEET)
    if review is None or not len(review):
        return {}
    data = review.data[review.data["日期"].notna()].drop_duplicates("日期", keep="first")
    out: dict[pd.Timestamp, str] = {}
    for day, done, when in zip(data["日期"], data["经理核阅"], data["核阅日期"], strict=True):
        if done is True:
            out[pd.Timestamp(day)] = f"{REVIEWED} {day_text(when)}".strip()
        else:
            out[pd.Timestamp(day)] = NOT_REVIEWED
    return out


def supervisor_report(inp: JobInput) -> ResultTable:
    data = inp.table(SHEET).data
    keep = (data["日期"].notna() & data["技术员"].notna() & (data["日期"] <= inp.today)).to_numpy(dtype=bool)
    work = pd.DataFrame(
        {
            "日期": data["日期"].to_numpy()[keep],
            "技术员": inp.lookups.staff_names(data["技术员"]).to_numpy()[keep],
            "类别": data["服务类别"].to_numpy()[keep],
            "工时": data["工时"].fillna(0.0).to_numpy(dtype=np.float64)[keep],
        }
    )
    if work.empty:
        return REPORT.empty()

    keys = ["日期", "技术员"]
    totals = work.groupby(keys, sort=False)["工时"].agg(合计件数="size", 合计工时="sum")
    by_cat = (
        work[work["类别"].isin(CATEGORIES)]
        .groupby([*keys, "类别"], sort=False)["工时"]
        .agg(件数="size", 工时="sum")
        .unstack("类别", fill_value=0)
        .reindex(totals.index, fill_value=0)
    )
    detail = pd.DataFrame(index=totals.index)
    for cat in CATEGORIES:
        detail[f"{cat}件数"] = by_cat[("件数", cat)].astype(np.int64) if ("件数", cat) in by_cat else 0
        detail[f"{cat}工时"] = by_cat[("工时", cat)].astype(np.float64) if ("工时", cat) in by_cat else 0.0
    detail["合计件数"] = totals["合计件数"].astype(np.int64)
    detail["合计工时"] = totals["合计工时"]
    detail = detail.reset_index()

    day_total = detail.drop(columns="技术员").groupby("日期", sort=False).sum().reset_index()
    day_total.insert(1, "技术员", TOTAL)
    detail["_total"] = 0
    day_total["_total"] = 1
    frame = pd.concat([detail, day_total], ignore_index=True)
    frame = frame.sort_values(["日期", "_total", "技术员"], ascending=[False, True, True], kind="stable")
    frame = frame.drop(columns="_total").reset_index(drop=True)

    for col in (*[f"{c}工时" for c in CATEGORIES], "合计工时"):
        frame[col] = frame[col].astype(np.float64).round(2)
    status = _review_status(inp)
    frame["经理核阅"] = [status.get(pd.Timestamp(d), NO_RECORD) for d in frame["日期"]]
    return REPORT.result(frame[list(HEADERS)])


REPORT = Job("服务主任日报", HEADERS, supervisor_report, "工作日报中还没有记录")


# --- 日报缺失: the report chain of 第十四–十六条 ----------------------------------------------------------------

TECH_MISSING, SUPERVISOR_MISSING = "技术员日报缺失", "服务主任日报缺失"
TECH_UNREVIEWED, MANAGER_UNSIGNED = "主任未核阅", "经理未核阅"
MISSING_KINDS = (TECH_MISSING, SUPERVISOR_MISSING)  # what the summary's 日报缺失 counts
CHAIN_HEADERS = ("日期", "类型", "人员", "依据")
# A report is due the day of the work; its review may take this many working days before it is listed.
REVIEW_GRACE_DAYS = 2
SHOWN_REFERENCES = 3


def _named_days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.normalize()


def _work_done(inp: JobInput) -> pd.DataFrame:
    """Who worked on what, which day: calls arrived at or completed (派工技术员, 叫修登记簿) and items repaired
    (维修技术员, 客户商品进出登记簿). Columns 日期, 人员, 依据 (the call or item) and 事件 (到达, 完成 or 修妥)."""
    parts = []

    def part(frame: pd.DataFrame, day: str, who: str, key: str, what: str, event: str) -> pd.DataFrame:
        # Plain arrays (no index alignment) and text built per value: a key may be blank or a number.
        items = [what.format("" if k is None or k != k else k) for k in frame[key].tolist()]
        return pd.DataFrame({"日期": _named_days(frame[day]).to_numpy(), "人员": frame[who].to_numpy(dtype=object),
                             "依据": np.array(items, dtype=object), "事件": event})  # fmt: skip

    calls = inp.lookups.call_work
    if calls is not None and len(calls):
        parts.append(part(calls, "到达时间", "派工技术员", "登记号", "叫修 {}", "到达"))
        parts.append(part(calls, "完成时间", "派工技术员", "登记号", "叫修 {}", "完成"))
    items = inp.lookups.repair_work
    if items is not None and len(items):
        parts.append(part(items, "修妥日期", "维修技术员", "收据号", "商品 {}", "修妥"))
    if not parts:
        return pd.DataFrame({"日期": pd.Series(dtype="datetime64[ns]"), "人员": [], "依据": [], "事件": []})
    work = pd.concat(parts, ignore_index=True).dropna(subset=["日期", "人员"])
    work["人员"] = inp.lookups.staff_names(work["人员"])
    return work


def _references(items: pd.Series, events: pd.Series) -> str:
    """「叫修 J02 到达、完成；商品 S1 修妥」: each item once with what happened to it, the first few items."""
    seen: dict[str, list[str]] = {}
    for item, event in zip(items.tolist(), events.tolist(), strict=True):
        happened = seen.setdefault(str(item), [])
        if event not in happened:
            happened.append(event)
    shown = [f"{item} {'、'.join(events)}" for item, events in list(seen.items())[:SHOWN_REFERENCES]]
    return "；".join(shown) + (f" 等 {len(seen)} 项" if len(seen) > SHOWN_REFERENCES else "")


def report_chain(inp: JobInput) -> ResultTable:
    """日报缺失: over the last ``settings.report_days`` days up to yesterday (today's reports may still come), but
    not before the first record of the branch (a register started last week misses nothing before it):

    * 技术员日报缺失 (第十四条): a technician who arrived at or completed a call, or repaired an item, that day and
      filed no 工作日报 row for it (any day of the week: work on a Saturday is reported too);
    * 服务主任日报缺失 (第十五条): a working day without a row in 日报核阅 (the supervisor's daily report);
    * 主任未核阅 (第十四条): 工作日报 rows not marked 主任核阅 = 是 two working days later (only where the
      register has that column), one line per technician and day;
    * 经理未核阅 (第十六条): a supervisor's daily report of a past day the manager has not signed.

    The folder's other 技术员工作日报表 files (技术员工作日报表-2025.xlsx) count as filed too, and only the file with
    the latest entries lists the chain, so a branch's gaps are listed, and counted in the summary, once. Cells that
    could not be read are not judged: a 日期 or 技术员 that could not be read might be the missing report, so
    技术员日报缺失 waits until it is corrected (its own problem says where), and so does 服务主任日报缺失 for an
    unreadable 日报核阅 日期; without a 日报核阅 sheet (XLS001) no supervisor report is judged missing or unsigned.

    Newest day first; within a day missing reports before unreviewed ones."""
    dailies, reviews = _chain_tables(inp, SHEET), _chain_tables(inp, REVIEW_SHEET)
    if not _lists_the_chain(inp, dailies + reviews):
        result = CHAIN.empty()
        result.empty_message = "本分公司的日报缺失列在日期最新的技术员工作日报表中"
        return result
    d = _rows(dailies, ("日期", "技术员", "主任核阅"))
    r = _rows(reviews, ("日期", "服务主任", "经理核阅"))
    work = _work_done(inp)
    known_days = pd.concat([d["日期"], r["日期"], work["日期"]]).dropna()
    if known_days.empty:
        return CHAIN.empty()
    last = inp.today - pd.Timedelta(days=1)
    first = max(inp.today - pd.Timedelta(days=int(inp.settings.report_days)), known_days.min())
    if first > last:
        return CHAIN.empty()
    rows: list[tuple[pd.Timestamp, str, str, str]] = []

    if not (d["日期_bad"].any() or d["技术员_bad"].any()):
        filed = pd.DataFrame({"日期": d["日期"], "人员": inp.lookups.staff_names(d["技术员"])}).dropna()
        filed_keys = set(zip(filed["日期"], filed["人员"], strict=True))
        work = work[(work["日期"] >= first) & (work["日期"] <= last)]
        for (day, who), done in work.groupby(["日期", "人员"], sort=False):
            if (day, who) not in filed_keys:
                rows.append((day, TECH_MISSING, str(who), _references(done["依据"], done["事件"])))

    days = pd.date_range(first, last, freq="D")
    if reviews and not r["日期_bad"].any():
        reported = set(r["日期"].dropna())
        for day in days:
            if day not in reported and inp.calendar.is_working_day(day.date()):
                rows.append((day, SUPERVISOR_MISSING, "", "当天是工作日，日报核阅中没有这一天的服务主任日报"))

    kept = d["主任核阅_kept"] & ~d["主任核阅_bad"]
    due = _reviewable_until(inp, days)
    open_ = kept & d["日期"].notna() & d["技术员"].notna() & ~d["主任核阅"].eq(True).fillna(False)
    open_ &= (d["日期"] >= first) & (d["日期"] <= due)
    pending = pd.DataFrame({"日期": d["日期"][open_], "人员": inp.lookups.staff_names(d["技术员"][open_])})
    for (day, who), group in pending.groupby(["日期", "人员"], sort=False):
        rows.append((day, TECH_UNREVIEWED, str(who), f"{len(group)} 条工作日报未经服务主任核阅"))

    unsigned = r["日期"].notna() & ~r["经理核阅"].eq(True).fillna(False) & ~r["经理核阅_bad"]
    unsigned &= (r["日期"] >= first) & (r["日期"] <= last)
    for day, boss in zip(r["日期"][unsigned], r["服务主任"][unsigned], strict=True):
        rows.append((day, MANAGER_UNSIGNED, boss if isinstance(boss, str) else "", "服务主任日报尚未经分公司经理核阅签章"))

    if not rows:
        return CHAIN.empty()
    frame = pd.DataFrame(rows, columns=list(CHAIN_HEADERS))
    rank = frame["类型"].map({TECH_MISSING: 0, SUPERVISOR_MISSING: 1, TECH_UNREVIEWED: 2, MANAGER_UNSIGNED: 3})
    frame = frame.assign(_rank=rank).sort_values(["日期", "_rank", "人员"], ascending=[False, True, True], kind="stable")
    return CHAIN.result(frame.drop(columns="_rank").reset_index(drop=True), settings=inp.settings)


def _chain_tables(inp: JobInput, sheet: str) -> list[Table]:
    """This workbook's ``sheet`` and the same sheet of the folder's other worklog files, where they exist."""
    tables = [inp.tables.get(sheet), *inp.lookups.siblings.get(sheet, [])]
    return [t for t in tables if t is not None and t.found]


def _lists_the_chain(inp: JobInput, tables: list[Table]) -> bool:
    """Whether this workbook lists the chain: the one with the latest 日期 (ties: the last name), else this one."""
    latest: dict[str, pd.Timestamp] = {}
    for t in tables:
        day = t.data["日期"].max()
        if pd.notna(day):
            latest[t.workbook] = max(latest.get(t.workbook, day), day)
    if not latest:
        return True
    owner = max(latest, key=lambda name: (latest[name], name))
    return owner == inp.workbook


def _rows(tables: list[Table], columns: tuple[str, ...]) -> pd.DataFrame:
    """The ``columns`` of all ``tables`` one under the other, each with ``<column>_bad`` (the cell could not be
    read) and ``<column>_kept`` (the workbook has the column)."""
    parts = []
    for t in tables:
        part = {}
        for c in columns:
            part[c] = t.data[c].to_numpy(dtype=object)
            part[f"{c}_bad"] = np.asarray(t.bad[c], dtype=bool)
            part[f"{c}_kept"] = np.full(len(t), c in t.columns)
        parts.append(pd.DataFrame(part))
    if not parts:
        empty = {c: pd.Series(dtype=object) for c in columns}
        empty |= {f"{c}_{flag}": pd.Series(dtype=bool) for c in columns for flag in ("bad", "kept")}
        return pd.DataFrame(empty)
    frame = pd.concat(parts, ignore_index=True)
    frame["日期"] = pd.to_datetime(frame["日期"])
    return frame


def _reviewable_until(inp: JobInput, days: pd.DatetimeIndex) -> pd.Timestamp:
    """The last day whose technicians' reports should have been reviewed by now: :data:`REVIEW_GRACE_DAYS`
    working days before today."""
    working = [day for day in days if inp.calendar.is_working_day(day.date())]
    return working[-REVIEW_GRACE_DAYS] if len(working) >= REVIEW_GRACE_DAYS else days[0] - pd.Timedelta(days=1)


CHAIN = Job(
    "日报缺失",
    CHAIN_HEADERS,
    report_chain,
    "近期的技术员日报、服务主任日报及其核阅都齐全",
    highlights=(look("类型", "contains", "缺失", BAD, bold=True), look("类型", "contains", "未核阅", NEUTRAL)),
    notes={
        "类型": "技术员日报缺失：当天到达或完成叫修、修妥商品，却没有工作日报（《售后服务管理制度》第十四条）；"
              "服务主任日报缺失：工作日没有日报核阅记录（第十五条）；主任未核阅：2 个工作日后工作日报仍未经服务主任"
              "核阅（第十四条）；经理未核阅：服务主任日报尚未经经理核阅签章（第十六条）。统计近 {report_days} 天至昨天。",
        "依据": "技术员当天做过的工作：叫修登记号（到达、完成）或商品收据号（修妥）。",
    },
)

JOBS: tuple[Job, ...] = (REPORT, CHAIN)
