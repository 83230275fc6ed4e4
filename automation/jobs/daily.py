"""Worklog job (技术员工作日报表, §6): 服务主任日报, the service supervisor's daily report.

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

JOBS: tuple[Job, ...] = (REPORT,)
