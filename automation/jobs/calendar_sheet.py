"""Master-data job (基础资料, §6): 工作日历, the next 60 days of the working calendar.

Columns 日期, 星期, 是否工作日 (是/否), 原因 (周末 / 节日 / 调休 / 覆盖 / 工作日), 节日 (the Chinese holiday name when
the day belongs to one, also on a weekend or a make-up day), 说明. 说明 marks days set in 节假日调整, other days
of a year without holiday data ("按周一至周五"), and make-up working days ("春节调休，照常上班"). A last row, with
only 说明 filled in, states the coverage of the as-of year and the next one: which years have holiday data
(chinesecalendar, or 节假日调整 declared complete by settings ``calendar.complete_years`` or a row of 类型
「全年已录入」), which have only some 节假日调整 rows, and which are assumed Monday–Friday. Overrides alone do not
cover a year (SPEC §5). Each uncovered year among the 60 days also gives one CLD001 warning. A 「全年已录入」 row
is a marker: its day keeps its ordinary status.

The calendar is the one the pipeline built from the deployment's 节假日调整, except that when this very workbook
holds overrides the calendar does not know yet (the admin just typed them), the sheet is computed with them, so
the result always matches what the admin sees in the workbook.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd

from ..calendar import REASON_MAKEUP, REASON_OVERRIDE, WorkCalendar, read_overrides
from .base import Job, JobInput, ResultTable, calendar_warnings

DAYS = 60
OVERRIDE_SHEET = "节假日调整"
NOT_COVERED_DAY = "该年无节假日数据，按周一至周五计算"
OVERRIDE_DAY = "按 节假日调整"


def _calendar(inp: JobInput) -> WorkCalendar:
    cal = inp.calendar
    table = inp.tables.get(OVERRIDE_SHEET)
    if table is None or not len(table):
        return cal
    typed, complete = read_overrides(zip(table.data["日期"].tolist(), table.data["类型"].tolist(), strict=True))
    if all(cal.overrides.get(d) == v for d, v in typed.items()) and complete <= cal.complete_years:
        return cal
    return WorkCalendar(cal.periods, cal.holidays, {**cal.overrides, **typed}, cal.complete_years | complete)


def coverage_text(cal: WorkCalendar, years: list[int]) -> str:
    """Which of ``years`` have holiday data, in words for the sheet."""
    if cal.holidays == "none":
        return (
            "设置 calendar.holidays = none：不使用法定节假日数据，按周一至周五计算，另加 基础资料/节假日调整"
        )
    package = WorkCalendar(cal.periods, cal.holidays)
    parts = []
    for year in years:
        entered = sum(1 for d in cal.overrides if d.year == year)
        if package.covered(year):
            extra = f"，另有节假日调整 {entered} 天" if entered else ""
            parts.append(f"{year} 年有法定节假日与调休数据{extra}")
        elif cal.covered(year):
            parts.append(f"{year} 年已标明全年已录入：按 基础资料/节假日调整 的 {entered} 天安排，其余按周一至周五")
        elif entered:
            parts.append(
                f"{year} 年只录入了节假日调整 {entered} 天，尚未标明「全年已录入」，其余日子暂按周一至周五计算；"
                f"录完该年安排后请在 基础资料/节假日调整 加一行 类型「全年已录入」"
            )
        else:
            parts.append(
                f"{year} 年无节假日数据，暂按周一至周五计算，请在 基础资料/节假日调整 录入该年安排，"
                f"录完后加一行 类型「全年已录入」"
            )
    return "日历覆盖：" + "；".join(parts)


def calendar_sheet(inp: JobInput) -> ResultTable:
    cal = _calendar(inp)
    start = inp.as_of.date()
    days = cal.next_days(start, DAYS)
    notes = []
    for info in days:
        if info.reason == REASON_OVERRIDE:
            notes.append(OVERRIDE_DAY)
        elif not cal.covered(info.day.year):
            notes.append(NOT_COVERED_DAY)
        elif info.reason == REASON_MAKEUP:
            notes.append(f"{info.holiday_name_zh or '节假日'}调休，照常上班")
        else:
            notes.append(None)
    frame = pd.DataFrame(
        {
            "日期": pd.to_datetime([info.day for info in days]).astype("datetime64[s]"),
            "星期": [f"星期{info.weekday_zh}" for info in days],
            "是否工作日": ["是" if info.working else "否" for info in days],
            "原因": [info.reason for info in days],
            "节日": [info.holiday_name_zh for info in days],
            "说明": notes,
        }
    )
    years = sorted({start.year, start.year + 1, (start + timedelta(days=DAYS - 1)).year})
    coverage = pd.DataFrame({"说明": [coverage_text(cal, years)]}).reindex(columns=frame.columns)
    coverage["日期"] = coverage["日期"].astype("datetime64[s]")
    frame = pd.concat([frame, coverage], ignore_index=True)
    problems = calendar_warnings(replace(inp, calendar=cal), CALENDAR.name, frame["日期"].to_numpy())
    return CALENDAR.result(frame, problems)


CALENDAR = Job(
    "工作日历", ("日期", "星期", "是否工作日", "原因", "节日", "说明"), calendar_sheet, "没有日历数据"
)

JOBS: tuple[Job, ...] = (CALENDAR,)
