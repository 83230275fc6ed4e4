"""Tests for the job API (run_jobs, make_calendar, to_result_sheet) and the call-in jobs (§5, §6).

Every register is written right here as rows (header first), read with the product's own ``build_table``, and
the expected result rows are worked out by hand from the 2026 calendar: Friday 02-13 is a working day, Saturday
02-14 a make-up working day (调休), 02-15..02-23 the Spring Festival break, Tuesday 02-24 a working day.
Helpers here (``make_input``, ``rows_of``) are shared with ``tests/test_jobs_*.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from automation.jobs import (
    JOBS,
    JobInput,
    ResultTable,
    make_calendar,
    result_sheet_names,
    run_jobs,
    to_result_sheet,
)
from automation.jobs.base import ORDER
from automation.jobs.dispatch import deadlines
from automation.registers import REGISTERS
from automation.settings import Settings
from automation.validators.context import Lookups
from automation.xlsx.sheet_xml import Link, ResultSheet
from automation.xlsx.table import build_table

WORKBOOK = "服务中心/叫修登记簿.xlsx"


def make_input(
    register: str,
    sheets: Mapping[str, Sequence[Sequence[object]]],
    as_of: dt.datetime,
    *,
    settings: Settings | None = None,
    overrides: Mapping[dt.date, bool] | None = None,
    staff: pd.DataFrame | None = None,
) -> JobInput:
    """A JobInput whose tables are read from ``sheets`` (sheet name -> rows, header row first)."""
    reg = REGISTERS[register]
    settings = settings or Settings()
    tables = {
        model.name: build_table(WORKBOOK, model.name, sheets.get(model.name), model) for model in reg.sheets
    }
    return JobInput(
        register=reg,
        workbook=WORKBOOK,
        branch="服务中心",
        tables=tables,
        settings=settings,
        as_of=as_of,
        calendar=make_calendar(settings, overrides or {}),
        lookups=Lookups(staff=staff, calendar_overrides=dict(overrides or {})),
    )


def result(inp: JobInput, name: str) -> ResultTable:
    found = [r for r in run_jobs(inp) if r.name == name]
    assert len(found) == 1
    return found[0]


def rows_of(table: ResultTable) -> list[list[object]]:
    """The visible rows as the writer gets them (links reduced to their text), in the frame's order: the one the
    summary and the morning digest read. ``sheet_rows`` gives the written sheet's (action first)."""
    frame = table.frame.drop(columns=[ORDER], errors="ignore")
    return sheet_rows(dataclasses.replace(table, frame=frame))


def sheet_rows(table: ResultTable) -> list[list[object]]:
    """The visible rows in the order of the written sheet (links reduced to their text)."""
    sheet = to_result_sheet(table, as_of=dt.datetime(2026, 1, 1), source_sheet="源")
    return [[v.text if isinstance(v, Link) else v for v in row] for row in sheet.rows]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# ---------------------------------------------------------------------------------------------------------
# Call-ins: 派工时限 and 次日优先派工
# ---------------------------------------------------------------------------------------------------------

CALL_HEADER = ["登记号", "来电时间", "客户名称", "地址", "电话", "区域", "服务类别", "派工时间", "到达时间", "完成时间"]
CALLS = [
    CALL_HEADER,
    # Friday 15:30, urban: 1.5 h on Friday + 4 h + 0.5 h on make-up Saturday -> 02-14 13:30; arrived 14:00: late 0.5 h.
    ["C001", "2026-02-13 15:30", "甲公司", "江北路1号", "13812345678", "市区", "A", "2026-02-13 16:00",
     "2026-02-14 14:00", "2026-02-14 16:00"],
    # Friday 09:00, suburban 7 h: 3 h + 4 h -> 17:00 the same day (a deadline on a closing time stays there).
    ["C002", "2026-02-13 09:00", "乙公司", "慈城镇2号", "13812345679", "郊区", "B", "2026-02-13 10:00",
     "2026-02-13 16:30", "2026-02-13 17:00"],
    # Today 08:30, nobody dispatched: due 15:30; at 10:00 there are 2 h + 2.5 h left.
    ["C003", "2026-02-24 08:30", "丙公司", "中山路3号", "0574-87654321", "市区", "A", None, None, None],
    # Before the window but still open (dispatched, never arrived): due 01-05 17:00; late by 30 working days
    # (01-06..01-30: 19, 02-02..02-13: 10, 02-14 make-up: 1) * 8 h + 08:00-10:00 today = 242 h.
    ["C004", "2026-01-05 10:00", "丁公司", "北仑4号", "13812345670", "市区", "C", "2026-01-05 11:00", None, None],
    # Before the window, open and never dispatched, suburban: due 01-20 17:00, late 19 + 11 days * 8 h + 2 h.
    ["C009", "2026-01-20 09:00", "戊公司", "镇海9号", "13812345671", "郊区", "C", None, None, None],
    # Before the window and completed: not listed.
    ["C005", "2026-01-06 09:00", "己公司", "鄞州5号", "13812345672", "市区", "A", "2026-01-06 09:30",
     "2026-01-06 11:00", "2026-01-06 12:00"],
    # Unreadable call time, unreadable region, and a call after the as-of instant: left out.
    ["C006", "昨天下午", "庚公司", "6号", "13812345673", "市区", "A", None, None, None],
    ["C007", "2026-02-23 09:00", "辛公司", "7号", "13812345674", "山区", "A", None, None, None],
    ["C008", "2026-02-24 11:00", "壬公司", "8号", "13812345675", "市区", "A", None, None, None],
]
AS_OF = dt.datetime(2026, 2, 24, 10, 0)


@pytest.fixture
def calls() -> JobInput:
    return make_input("callins", {"叫修登记": CALLS}, AS_OF)


def test_deadline_sheet_rows(calls: JobInput) -> None:
    table = result(calls, "派工时限")
    assert list(table.frame.columns[:10]) == [
        "登记号", "来电时间", "客户名称", "区域", "时限(工时)", "应到达时间", "到达时间", "状态", "超时(工时)", "说明"
    ]
    # 说明 stays blank: every day these rows depend on is in 2026, which has holiday data.
    assert rows_of(table) == [
        ["C004", t("2026-01-05 10:00"), "丁公司", "市区", 6.0, t("2026-01-05 17:00"), None, "未到达(已超时)", 242.0, None],
        ["C009", t("2026-01-20 09:00"), "戊公司", "郊区", 7.0, t("2026-01-20 17:00"), None, "未到达(已超时)", 154.0, None],
        ["C002", t("2026-02-13 09:00"), "乙公司", "郊区", 7.0, t("2026-02-13 17:00"), t("2026-02-13 16:30"), "按时", None,
         None],
        ["C001", t("2026-02-13 15:30"), "甲公司", "市区", 6.0, t("2026-02-14 13:30"), t("2026-02-14 14:00"), "超时", 0.5, None],
        ["C003", t("2026-02-24 08:30"), "丙公司", "市区", 6.0, t("2026-02-24 15:30"), None, "未到达(未超时)", None, None],
    ]
    # The written sheet puts action first: open and late (longest overdue first), open by deadline, then the calls
    # that arrived, newest call first.
    assert [(row[0], row[7]) for row in sheet_rows(table)] == [
        ("C004", "未到达(已超时)"), ("C009", "未到达(已超时)"), ("C003", "未到达(未超时)"), ("C001", "超时"), ("C002", "按时")]
    assert table.problems == []


def test_deadline_sheet_links_to_the_call_number(calls: JobInput) -> None:
    sheet = to_result_sheet(result(calls, "派工时限"), as_of=AS_OF, source_sheet="叫修登记")
    first = sheet.rows[0][0]
    assert first == Link("C004", sheet="叫修登记", cell="A5")  # C004 is the 4th data row, Excel row 5


def test_window_follows_settings(calls: JobInput) -> None:
    narrow = make_input("callins", {"叫修登记": CALLS}, AS_OF, settings=Settings(window_days=5))
    numbers = [row[0] for row in rows_of(result(narrow, "派工时限"))]
    assert numbers == ["C004", "C009", "C003"]  # only open calls remain besides today's


def test_custom_sla_hours() -> None:
    inp = make_input("callins", {"叫修登记": CALLS}, AS_OF, settings=Settings(urban_hours=2, suburban_hours=3))
    rows = {row[0]: row for row in rows_of(result(inp, "派工时限"))}
    assert rows["C003"][4:6] == [2.0, t("2026-02-24 10:30")]
    assert rows["C002"][5] == t("2026-02-13 12:00")  # 09:00-12:00 is exactly 3 h: it stays on the closing time


def test_priority_sheet(calls: JobInput) -> None:
    table = result(calls, "次日优先派工")
    assert list(table.frame.columns[:10]) == [
        "顺序", "登记号", "来电时间", "客户名称", "地址", "电话", "区域", "应到达时间", "剩余(工时)", "说明"
    ]
    assert rows_of(table) == [
        [1, "C009", t("2026-01-20 09:00"), "戊公司", "镇海9号", "13812345671", "郊区", t("2026-01-20 17:00"), -154.0, None],
        [2, "C003", t("2026-02-24 08:30"), "丙公司", "中山路3号", "0574-87654321", "市区", t("2026-02-24 15:30"), 4.5, None],
    ]


def test_deadlines_vectorised_and_consistent(calls: JobInput) -> None:
    valid, limit, due = deadlines(calls)
    assert valid.tolist() == [True, True, True, True, True, True, False, False, False]
    assert limit[:2].tolist() == [6.0, 7.0]
    assert due[0] == np.datetime64("2026-02-14T13:30")
    assert np.isnat(due[~valid]).all()


def test_uncovered_year_gives_one_warning_per_year() -> None:
    rows = [
        CALL_HEADER,
        # Thursday 16:00: 1 h on 2026-12-31, then 2027-01-01 (a weekday, no holiday data) 08:00-12:00, 13:00-14:00.
        ["D001", "2026-12-31 16:00", "甲", "1号", "13812345678", "市区", "A", None, None, None],
        ["D002", "2027-01-04 09:00", "乙", "2号", "13812345678", "市区", "A", None, None, None],
        ["D003", "2027-01-04 10:00", "丙", "3号", "13812345678", "郊区", "A", None, None, None],
    ]
    inp = make_input("callins", {"叫修登记": rows}, dt.datetime(2027, 1, 5, 9, 0))
    table = result(inp, "派工时限")
    assert [r[5] for r in rows_of(table)] == [t("2027-01-01 14:00"), t("2027-01-04 16:00"), t("2027-01-05 09:00")]
    assert [(p.code, p.severity, p.sheet) for p in table.problems] == [("CLD001", "warning", "派工时限")]
    assert "2027" in table.problems[0].message_zh
    # Every row depends on 2027 (D001's deadline falls on 2027-01-01) and says so in 说明.
    assert [r[9] for r in rows_of(table)] == [NOTE_2027] * 3
    priority = result(inp, "次日优先派工")
    assert priority.problems == []  # reported once per workbook, on 派工时限 (which lists every open call too)
    assert [r[9] for r in rows_of(priority)] == [NOTE_2027] * 3
    # An override in 2027 is used for that day, but the year is still unknown (SPEC §5).
    one_row = make_input("callins", {"叫修登记": rows}, dt.datetime(2027, 1, 5, 9, 0), overrides={d("2027-01-01"): False})
    assert [(p.code, p.sheet) for p in result(one_row, "派工时限").problems] == [("CLD001", "派工时限")]
    assert [r[5] for r in rows_of(result(one_row, "派工时限"))][0] == t("2027-01-04 14:00")
    # Declared complete in the settings: no warning; the "none" setting needs no data at all.
    done = make_input("callins", {"叫修登记": rows}, dt.datetime(2027, 1, 5, 9, 0), overrides={d("2027-01-01"): False},
                      settings=Settings(complete_years=(2027,)))
    assert result(done, "派工时限").problems == []
    assert [r[9] for r in rows_of(result(done, "派工时限"))] == [None] * 3
    weekends = make_input("callins", {"叫修登记": rows}, dt.datetime(2027, 1, 5, 9, 0), settings=Settings(holidays="none"))
    assert result(weekends, "派工时限").problems == []


NOTE_2027 = "2027 年节假日未录入，本行时间按周一至周五推算"
SPRING_2027 = [
    CALL_HEADER,
    # Friday 2027-02-05 15:00, urban, nobody dispatched: 2 h on Friday, 4 h on Monday 02-08, which may well lie in
    # the 2027 Spring Festival; 2027's holidays are unknown, so Monday-Friday is assumed.
    ["S001", "2027-02-05 15:00", "甲公司", "江北路1号", "13812345678", "市区", "A", None, None, None],
    # Completed in 2026 (within the 60-day window used below): nothing of it depends on 2027.
    ["S002", "2026-12-30 09:00", "乙公司", "慈城镇2号", "13812345679", "市区", "B", "2026-12-30 09:30",
     "2026-12-30 11:00", "2026-12-30 12:00"],
]
AS_OF_2027 = dt.datetime(2027, 2, 5, 16, 0)


def test_one_override_row_does_not_silence_the_year() -> None:
    inp = make_input("callins", {"叫修登记": SPRING_2027}, AS_OF_2027, overrides={d("2027-01-01"): False},
                     settings=Settings(window_days=60))
    table = result(inp, "派工时限")
    assert [(p.code, p.severity, p.sheet) for p in table.problems] == [("CLD001", "warning", "派工时限")]
    assert [(r[0], r[5], r[9]) for r in rows_of(table)] == [
        ("S002", t("2026-12-30 16:00"), None),
        ("S001", t("2027-02-08 12:00"), NOTE_2027),
    ]
    priority = rows_of(result(inp, "次日优先派工"))
    assert [(r[1], r[7], r[9]) for r in priority] == [("S001", t("2027-02-08 12:00"), NOTE_2027)]


def test_complete_years_setting_silences_the_year() -> None:
    settings = Settings(complete_years=(2027,), window_days=60)
    inp = make_input("callins", {"叫修登记": SPRING_2027}, AS_OF_2027, overrides={d("2027-01-01"): False}, settings=settings)
    table = result(inp, "派工时限")
    assert table.problems == []
    assert [r[9] for r in rows_of(table)] == [None, None]
    assert [r[9] for r in rows_of(result(inp, "次日优先派工"))] == [None]


# ---------------------------------------------------------------------------------------------------------
# Call-ins: 收费核对
# ---------------------------------------------------------------------------------------------------------

BILL_HEADER = ["登记号", "来电时间", "客户名称", "地址", "电话", "区域", "服务类别", "处理方式", "完成时间", "服务费(元)",
               "发票号", "开票日期"]


def test_billing_sheet() -> None:
    rows = [
        BILL_HEADER,
        ["B1", "2026-02-14 09:00", "甲", "1号", "13812345678", "市区", "A", "现场修复", "2026-02-14 16:00", 200, "F1", "2026-02-14"],
        ["B2", "2026-02-13 09:00", "乙", "2号", "13812345678", "市区", "A类", "现场修复", "2026-02-13 15:00", None, None, None],
        ["B3", "2026-02-12 09:00", "丙", "3号", "13812345678", "市区", "A", "带回修理", "2026-02-20 10:00", 100, None, None],
        ["B4", "2026-02-10 09:00", "丁", "4号", "13812345678", "市区", "有费服务", "现场修复", "2026-02-10 11:00", 80, "F4", "2026-02-12"],
        ["B5", "2026-02-10 09:00", "戊", "5号", "13812345678", "市区", "C", "现场修复", "2026-02-10 11:00", None, None, None],
        ["B6", "2026-02-10 09:00", "己", "6号", "13812345678", "市区", "A", None, None, None, None, None],
        ["B7", "2026-02-09 09:00", "庚", "7号", "13812345678", "市区", "A", "带回修理", "2026-02-09 12:00", 0, "F7", "2026-02-09"],
    ]
    table = result(make_input("callins", {"叫修登记": rows}, AS_OF), "收费核对")
    assert list(table.frame.columns[:7]) == ["登记号", "完成时间", "客户名称", "服务费", "发票号", "开票日期", "问题"]
    assert rows_of(table) == [
        ["B7", t("2026-02-09 12:00"), "庚", 0.0, "F7", d("2026-02-09"), "未收费"],
        ["B4", t("2026-02-10 11:00"), "丁", 80.0, "F4", d("2026-02-12"), "开票晚于完成日"],
        ["B2", t("2026-02-13 15:00"), "乙", None, None, None, "未收费；未开票"],
    ]


def test_billing_sheet_cash_on_the_spot() -> None:
    """第九条: cash collected on the spot, invoice mailed afterwards — listed as 待补寄发票 until 发票号 is filled in,
    and a later 开票日期 is fine; 开票另收 (or blank) as before; the workshop path (带回修理) keeps its own rule."""
    rows = [
        [*BILL_HEADER, "收费方式"],
        ["P1", "2026-02-13 09:00", "甲", "1号", "13812345678", "市区", "A", "现场修复", "2026-02-13 15:00", 200, None, None, "当场收费"],
        ["P2", "2026-02-12 09:00", "乙", "2号", "13812345678", "市区", "A", "现场修复", "2026-02-12 15:00", 200, "F2", "2026-02-20", "现金"],
        ["P3", "2026-02-11 09:00", "丙", "3号", "13812345678", "市区", "A", "现场修复", "2026-02-11 15:00", 200, None, None, "开票另收"],
        ["P4", "2026-02-10 09:00", "丁", "4号", "13812345678", "市区", "A", "现场修复", "2026-02-10 15:00", None, None, None, "现收"],
        ["P5", "2026-02-09 09:00", "戊", "5号", "13812345678", "市区", "A", "带回修理", "2026-02-09 15:00", 200, "F5", "2026-02-12", "当场收费"],
    ]
    table = result(make_input("callins", {"叫修登记": rows}, AS_OF), "收费核对")
    assert rows_of(table) == [
        ["P5", t("2026-02-09 15:00"), "戊", 200.0, "F5", d("2026-02-12"), "开票晚于完成日"],
        ["P4", t("2026-02-10 15:00"), "丁", None, None, None, "未收费；待补寄发票"],
        ["P3", t("2026-02-11 15:00"), "丙", 200.0, None, None, "未开票"],
        ["P1", t("2026-02-13 15:00"), "甲", 200.0, None, None, "待补寄发票"],
    ]


def test_billing_sheet_receivables() -> None:
    """第九条: with the optional columns, an invoice not yet collected is 应收未收 with its days since the invoice,
    and cash collected on the spot not yet handed to the 会计员 is 未交会计员; collected or handed-over calls are
    fine, and a register without the columns lists neither (the sheet above)."""
    rows = [
        [*BILL_HEADER, "收费方式", "收款日期", "交会计员日期"],
        ["R1", "2026-02-10 09:00", "甲", "1号", "13812345678", "市区", "A", "现场修复", "2026-02-10 15:00", 300, "F1", "2026-02-10", "开票另收", None, None],
        ["R2", "2026-02-11 09:00", "乙", "2号", "13812345678", "市区", "A", "现场修复", "2026-02-11 15:00", 300, "F2", "2026-02-11", None, "2026-02-13", None],
        ["R3", "2026-02-12 09:00", "丙", "3号", "13812345678", "市区", "A", "现场修复", "2026-02-12 15:00", 150, "F3", "2026-02-14", "当场收费", None, None],
        ["R4", "2026-02-12 09:00", "丁", "4号", "13812345678", "市区", "A", "现场修复", "2026-02-12 16:00", 150, "F4", "2026-02-14", "当场收费", None, "2026-02-12"],
        ["R5", "2026-02-09 09:00", "戊", "5号", "13812345678", "市区", "A", "带回修理", "2026-02-09 15:00", 500, "F5", "2026-02-12", None, None, None],
    ]
    table = result(make_input("callins", {"叫修登记": rows}, AS_OF), "收费核对")
    assert [(r[0], r[6]) for r in rows_of(table)] == [
        ("R5", "开票晚于完成日；应收未收（开票后 12 天）"),
        ("R1", "应收未收（开票后 14 天）"),
        ("R3", "未交会计员"),
    ]


# ---------------------------------------------------------------------------------------------------------
# The API: registry, crash handling, result sheets
# ---------------------------------------------------------------------------------------------------------


def test_registry_order_follows_spec() -> None:
    # §6's sheets first, then those of issue 15's duties (满意度, 日报缺失, 保修到期).
    assert result_sheet_names("callins") == ("派工时限", "次日优先派工", "收费核对", "满意度")
    assert result_sheet_names("items") == ("逾期维修", "在修商品")
    assert result_sheet_names("worklog") == ("服务主任日报", "日报缺失")
    assert result_sheet_names("contracts") == ("续约提醒", "保修到期")
    assert result_sheet_names("customers") == ("客户维护提醒",)
    assert result_sheet_names("demand") == ("信息汇总",)
    assert result_sheet_names("master") == ("工作日历",)
    assert set(JOBS) == set(REGISTERS)


def test_crashing_job_becomes_sys001() -> None:
    inp = make_input("callins", {"叫修登记": CALLS}, AS_OF)
    broken = dataclasses.replace(inp, tables={})  # every job looks up a sheet that is not there
    results = run_jobs(broken)
    assert [r.name for r in results] == ["派工时限", "次日优先派工", "收费核对", "满意度"]
    # 满意度 reads an optional sheet: without it the result is empty, not a crash.
    survey = results.pop()
    assert survey.frame.empty and survey.problems == []
    for r in results:
        assert r.frame.empty and list(r.frame.columns) == list(next(j for j in JOBS["callins"] if j.name == r.name).headers)
        assert [p.code for p in r.problems] == ["SYS001"]
        assert "KeyError" in r.problems[0].message_en
        assert to_result_sheet(r, as_of=AS_OF, source_sheet="叫修登记").rows == []


@pytest.mark.parametrize("register", sorted(REGISTERS))
def test_missing_sheets_give_empty_results(register: str) -> None:
    inp = make_input(register, {}, AS_OF)  # the reader reports the missing sheets; the jobs just find nothing
    results = run_jobs(inp)
    assert [r.name for r in results] == list(result_sheet_names(register))
    for r in results:
        assert r.problems == []
        assert r.frame.empty or r.name == "工作日历"  # the calendar needs no register rows
        sheet = to_result_sheet(r, as_of=AS_OF, source_sheet="x")
        assert list(sheet.headers) == list(next(j for j in JOBS[register] if j.name == r.name).headers)


def test_to_result_sheet_format() -> None:
    frame = pd.DataFrame(
        {
            "编号": ["X1", "X2", None],
            "开票日期": pd.to_datetime(["2026-02-14", None, "2026-03-01"]).astype("datetime64[s]"),
            "到达时间": pd.to_datetime(["2026-02-14 13:30", None, None]).astype("datetime64[s]"),
            "金额": [1.5, np.nan, 3.0],
            "件数": np.array([1, 2, 3], dtype=np.int64),
            "备注": ["a", None, np.nan],
            "_cell": ["A2", "A3", None],
            "_sheet": ["源表", "源表", "源表"],
        }
    )
    table = ResultTable("结果", frame, links={"编号": "编号"}, empty_message="没有")
    sheet = to_result_sheet(table, as_of=dt.datetime(2026, 2, 24, 10, 5, 30), source_sheet="别的")
    assert isinstance(sheet, ResultSheet)
    assert sheet.banner == "本表由系统自动生成 · 计算时间 2026-02-24 10:05 · 请勿在此表编辑"
    assert list(sheet.headers) == ["编号", "开票日期", "到达时间", "金额", "件数", "备注"]
    assert sheet.empty_message == "没有"
    assert sheet.rows[0] == [Link("X1", sheet="源表", cell="A2"), d("2026-02-14"), t("2026-02-14 13:30"), 1.5, 1, "a"]
    assert sheet.rows[1] == [Link("X2", sheet="源表", cell="A3"), None, None, None, 2, None]
    assert sheet.rows[2] == [None, d("2026-03-01"), None, 3.0, 3, None]
    assert type(sheet.rows[0][1]) is dt.date and type(sheet.rows[0][2]) is dt.datetime
    assert type(sheet.rows[0][4]) is int
    empty = to_result_sheet(ResultTable("空", frame.iloc[:0], empty_message="当前没有"), as_of=AS_OF, source_sheet="x")
    assert empty.rows == [] and empty.empty_message == "当前没有" and "_cell" not in empty.headers


def test_every_job_has_an_empty_message() -> None:
    for jobs in JOBS.values():
        for job in jobs:
            assert job.empty_message and job.empty_message != "无记录"
            assert not any(h.startswith("_") for h in job.headers)


def test_make_calendar_uses_settings_and_overrides() -> None:
    settings = Settings(work_periods=((540, 720),))  # 09:00-12:00 only
    cal = make_calendar(settings, {d("2026-02-16"): True})
    due = cal.add_working_minutes(np.array(["2026-02-13T11:00"], dtype="datetime64[m]"), 120)[0]
    assert due == np.datetime64("2026-02-14T10:00")  # 1 h Friday, then the make-up Saturday from 09:00
    assert cal.is_working_day(d("2026-02-16"))
    assert not make_calendar(Settings(holidays="none"), {}).is_working_day(d("2026-10-03"))
    assert make_calendar(Settings(holidays="none"), {}).is_working_day(d("2026-10-01"))


def test_whole_year_marker_row_covers_the_year_and_changes_no_day(tmp_path) -> None:
    """A 节假日调整 row of 类型「全年已录入」 declares its year complete (SPEC §5); it is a marker, not a holiday."""
    from conftest import STAFF_HEADER, STAFF_ROWS, write_workbook

    from automation.deployment import Deployment
    from automation.pipeline import validate_root

    call_header = ["登记号", "来电时间", "客户代码", "客户名称", "地址", "电话", "商品型号", "区域", "服务类别", "合同编号",
                   "派工技术员", "派工时间", "到达时间", "处理方式", "完成时间", "客户签字", "服务费(元)", "发票号", "开票日期"]
    call = ["J001", t("2027-02-05 15:00"), None, "宁波甬江机械有限公司", "江北区长兴路 8 号", "0574-87654321", "CNC-650",
            "市区", "C", None, None, None, None, None, None, None, None, None, None]
    write_workbook(tmp_path / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [call_header, call]})

    def run(overrides: list[list[object]]) -> dict[str, list]:
        write_workbook(tmp_path / "总部" / "基础资料.xlsx",
                       {"员工": [STAFF_HEADER, *STAFF_ROWS], "节假日调整": [["日期", "类型", "说明"], *overrides]})
        return {r.name: r for r in validate_root(tmp_path, as_of=AS_OF_2027, write=False)}

    new_year = [d("2027-01-01"), "休息日", "元旦"]
    # Only New Year's Day entered: both the calendar sheet and the call's deadline carry CLD001.
    reports = run([new_year])
    assert {(name, p.sheet) for name, r in reports.items() for p in r.problems if p.code == "CLD001"} == {
        ("总部/基础资料.xlsx", "工作日历"), ("服务中心/叫修登记簿.xlsx", "派工时限")}

    # The admin has entered 2027 and says so on a free day of the year (Wednesday 2027-02-10).
    reports = run([new_year, [d("2027-02-10"), "全年已录入", "2027年安排已按国务院通知录入"]])
    assert not [(name, p.code) for name, r in reports.items() for p in r.problems if p.code == "CLD001"]
    assert reports["总部/基础资料.xlsx"].problems == []  # 「全年已录入」 is a valid 类型
    deadlines = next(r for r in reports["服务中心/叫修登记簿.xlsx"].results if r.name == "派工时限").frame
    assert deadlines["应到达时间"].tolist() == [pd.Timestamp("2027-02-08 12:00")]
    assert deadlines["说明"].isna().all()
    calendar = next(r for r in reports["总部/基础资料.xlsx"].results if r.name == "工作日历").frame
    marker_day = calendar[calendar["日期"] == pd.Timestamp("2027-02-10")].iloc[0]
    assert (marker_day["是否工作日"], marker_day["原因"]) == ("是", "工作日")
    assert "2027 年" in calendar["说明"].iloc[-1] and "全年已录入" in calendar["说明"].iloc[-1]

    lookups = Deployment(tmp_path, Settings(), AS_OF_2027).lookups(tmp_path / "服务中心")
    assert dict(lookups.calendar_overrides) == {d("2027-01-01"): False}
    assert lookups.calendar_complete_years == frozenset({2027})
