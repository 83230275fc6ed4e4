"""Call-in job (叫修登记簿, issue 15): 满意度, the monthly result of the customer opinion survey (售后 第二条).

The survey is the optional sheet 客户意见调查 of the same register: one row per completed call asked, with its
满意度 (非常满意 / 满意 / 一般 / 不满意 / 很不满意). One row per month, newest first, for the as-of month and the
eleven before it, where the month had completed calls or surveys:

* 完成叫修: calls of 叫修登记 whose 完成时间 falls in the month (what could have been surveyed).
* 已调查 and the five ratings: survey rows whose 调查日期 falls in the month and whose 满意度 could be read.
* 满意率 = (非常满意 + 满意) ÷ 已调查; blank when nothing was surveyed. The head-office summary shows the as-of
  month's 满意率 per branch (``satisfaction_counts``), so the two always agree.
* 不满意待处理: 不满意 / 很不满意 rows without 处理措施 (validation warns SUR004 at each of them).

A register without the survey sheet gets an empty sheet saying so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registers.callins import RATINGS, SATISFIED, UNSATISFIED
from ..xlsx.sheet_xml import BAD, look
from ..xlsx.table import Table
from .base import Job, JobInput, ResultTable

CALLS, SURVEY = "叫修登记", "客户意见调查"
MONTHS = 12
HEADERS = ("月份", "完成叫修", "已调查", *RATINGS, "满意率", "不满意待处理")


def month_of(values: pd.Series) -> pd.Series:
    """Each date's month as 'yyyy-mm' (None where blank)."""
    return values.dt.strftime("%Y-%m").where(values.notna(), None)


def rated(survey: Table, first: pd.Timestamp, today: pd.Timestamp) -> pd.Series:
    """Survey rows dated from ``first`` to ``today`` with a readable 满意度 (a date after today is COL004's)."""
    asked = survey.data["调查日期"]
    return (asked >= first) & (asked <= today) & survey.data["满意度"].isin(RATINGS)


def satisfaction_counts(survey: Table, today: pd.Timestamp) -> tuple[int, int]:
    """(satisfied, surveyed) of ``today``'s month up to ``today``: the 满意度 sheet's row of that month."""
    inside = rated(survey, today.to_period("M").to_timestamp(), today)
    return int((inside & survey.data["满意度"].isin(SATISFIED)).sum()), int(inside.sum())


def satisfaction_sheet(inp: JobInput) -> ResultTable:
    survey = inp.tables.get(SURVEY)
    if survey is None or not survey.found:
        return SATISFACTION.empty()
    calls = inp.table(CALLS).data
    first = (inp.today.to_period("M") - (MONTHS - 1)).to_timestamp()
    done = calls["完成时间"]
    done_month = month_of(done[(done >= first) & (done < inp.today + pd.Timedelta(days=1))])
    data = survey.data
    asked = data["调查日期"]
    keep = rated(survey, first, inp.today)
    answers = pd.DataFrame({"月份": month_of(asked[keep]), "满意度": data["满意度"][keep]})
    months = sorted(set(done_month.dropna()) | set(answers["月份"].dropna()), reverse=True)
    if not months:
        return SATISFACTION.empty()
    counts = answers.groupby(["月份", "满意度"]).size().unstack(fill_value=0).reindex(months, fill_value=0)
    # Only where 处理措施 is kept: without the column nobody was asked to record one (SUR004 is silent too).
    unhappy = keep & data["满意度"].isin(UNSATISFIED) & survey.blank["处理措施"] & ("处理措施" in survey.columns)
    pending = month_of(asked[unhappy]).value_counts()
    frame = pd.DataFrame({"月份": months})
    frame["完成叫修"] = done_month.value_counts().reindex(months, fill_value=0).to_numpy(dtype=np.int64)
    for rating in RATINGS:
        column = counts[rating] if rating in counts else pd.Series(0, index=months)
        frame[rating] = column.to_numpy(dtype=np.int64)
    frame["已调查"] = frame[list(RATINGS)].sum(axis=1)
    good = frame[list(SATISFIED)].sum(axis=1)
    frame["满意率"] = (good / frame["已调查"]).where(frame["已调查"] > 0)
    frame["不满意待处理"] = pending.reindex(months, fill_value=0).to_numpy(dtype=np.int64)
    return SATISFACTION.result(frame[list(HEADERS)], settings=inp.settings)


SATISFACTION = Job(
    "满意度",
    HEADERS,
    satisfaction_sheet,
    "还没有客户意见调查记录（登记簿中没有“客户意见调查”表时，可从模板复制）",
    highlights=(look("不满意待处理", "gt", 0, BAD, bold=True),),
    notes={
        "完成叫修": "完成时间在该月的叫修件数。",
        "已调查": "调查日期在该月、满意度可读的调查记录数（《售后服务管理制度》第二条）。",
        "满意率": "（非常满意 + 满意）÷ 已调查。",
        "不满意待处理": "满意度为不满意或很不满意、尚未填写处理措施的调查记录数。",
    },
)

JOBS: tuple[Job, ...] = (SATISFACTION,)
