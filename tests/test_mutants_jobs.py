"""Job cases written for mutants that survived the rest of the suite (docs/testing.md); expected rows are worked
out by hand from the registers written in each test and the 2026 working calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from test_jobs import make_input, result, rows_of

from automation.calendar import WorkCalendar
from automation.jobs import result_sheet_names, to_result_sheet
from automation.jobs.base import ResultTable, calendar_notes, day_text, hours
from automation.jobs.calendar_sheet import coverage_text
from automation.jobs.dispatch import deadlines
from automation.settings import Settings
from automation.xlsx.sheet_xml import Link


def test_hours_have_two_decimals_and_keep_missing() -> None:
    out = hours(np.array([90.0, 20.0, np.nan]))
    assert out[0] == 1.5
    assert out[1] == 0.33
    assert np.isnan(out[2])


def test_day_text() -> None:
    assert day_text(dt.datetime(2026, 2, 3, 15, 30)) == "2026-02-03"
    assert day_text(None) == ""


def test_result_sheet_names_of_a_register_without_jobs() -> None:
    assert result_sheet_names("no such register") == ()
    assert {"派工时限", "次日优先派工"} <= set(result_sheet_names("callins"))
    assert {"逾期维修", "在修商品"} <= set(result_sheet_names("items"))


# --- items: 逾期维修 and 在修商品 -------------------------------------------------------------------------------

ITEM_HEADER = ["收据号", "登记号", "客户名称", "商品型号", "带回日期", "约定完成日期", "修理卡号", "维修技术员", "修妥日期",
               "归还日期", "服务类别"]
TODAY = dt.datetime(2026, 3, 10, 10, 0)


def item(receipt: str, taken: str, due: str) -> list:
    return [receipt, "C01", "甲", "XJ-1", taken, due, "K1", "王强", None, None, "A"]


def test_an_item_brought_in_today_is_in_the_workshop_and_rows_link_to_their_receipt() -> None:
    items = [ITEM_HEADER, item("R1", "2026-03-10", "2026-03-12"), item("R2", "2026-03-01", "2026-03-05")]
    inp = make_input("items", {"商品进出": items}, TODAY)
    repairing = to_result_sheet(result(inp, "在修商品"), as_of=TODAY, source_sheet="商品进出")
    assert [row[0] for row in repairing.rows] == [Link("R2", sheet="商品进出", cell="A3"),
                                                  Link("R1", sheet="商品进出", cell="A2")]
    assert [row[-1] for row in repairing.rows] == ["逾期", "维修中"]
    overdue = to_result_sheet(result(inp, "逾期维修"), as_of=TODAY, source_sheet="商品进出")
    assert [row[0] for row in overdue.rows] == [Link("R2", sheet="商品进出", cell="A3")]


def test_items_due_the_same_day_keep_the_register_order() -> None:
    receipts = [f"R{i:02d}" for i in range(40, 0, -1)]  # register order R40, R39, ... R01
    items = [ITEM_HEADER, *(item(r, "2026-03-01", "2026-03-05") for r in receipts)]
    inp = make_input("items", {"商品进出": items}, TODAY)
    assert [row[0] for row in rows_of(result(inp, "逾期维修"))] == receipts
    assert [row[0] for row in rows_of(result(inp, "在修商品"))] == receipts


# --- customers: 客户维护提醒 ----------------------------------------------------------------------------------

def test_a_reminder_for_a_customer_whose_importance_is_blank() -> None:
    staff = pd.DataFrame({"姓名": ["李四"], "工号": ["E002"], "岗位": ["业务员"], "在职状态": ["离职"],
                          "离职日期": pd.to_datetime(["2026-01-31"]).astype("datetime64[s]")})
    customers = [["客户代码", "客户名称", "重要客户", "主办业务员", "协办业务员", "往来状态"],
                 ["KH00001", "甲公司", None, "李四", None, "正常"]]
    table = result(make_input("customers", {"客户": customers}, TODAY, staff=staff), "客户维护提醒")
    assert rows_of(table) == [["KH00001", "甲公司", None, "李四", None, "主办业务员 李四 已于 2026-01-31 离职，须交接"]]
    sheet = to_result_sheet(table, as_of=TODAY, source_sheet="客户")
    assert sheet.rows[0][0] == Link("KH00001", sheet="客户", cell="A2")


# --- worklog: 服务主任日报 -------------------------------------------------------------------------------------

def test_daily_report_counts_rows_without_category_or_hours_and_the_first_review_of_a_day_wins() -> None:
    work = [["日期", "技术员", "登记号", "服务类别", "工作内容", "工时"],
            ["2026-03-09", "张伟", "C01", "A", "现场修复", 2],
            ["2026-03-09", "李娜", None, None, "培训", None]]  # no category and no hours: one row, 0 h
    review = [["日期", "服务主任", "经理核阅", "核阅日期"],
              ["2026-03-09", "李娜", "是", "2026-03-10"],
              ["2026-03-09", "李娜", "否", None]]  # the same day again: the first row counts
    inp = make_input("worklog", {"工作日报": work, "日报核阅": review}, dt.datetime(2026, 3, 10, 18, 0))
    day = dt.date(2026, 3, 9)
    assert rows_of(result(inp, "服务主任日报")) == [
        [day, "张伟", 1, 2.0, 0, 0.0, 0, 0.0, 1, 2.0, "已核阅 2026-03-10"],
        [day, "李娜", 0, 0.0, 0, 0.0, 0, 0.0, 1, 0.0, "已核阅 2026-03-10"],
        [day, "合计", 1, 2.0, 0, 0.0, 0, 0.0, 2, 2.0, "已核阅 2026-03-10"],
    ]


# --- the sheet written from a job's result --------------------------------------------------------------------

def test_result_values_as_the_writer_gets_them() -> None:
    when = dt.datetime(2026, 3, 9, 14, 30)
    frame = pd.DataFrame({
        "编号": [1.0, 2.0, 3.5, None],  # a number-like key links with its text as typed ("1", not "1.0")
        "混合": pd.Series([None, pd.NA, pd.NaT, np.datetime64("2026-03-09T14:30")], dtype=object),
        "混合日期": pd.Series([pd.Timestamp(when), when, np.int64(7), float("nan")], dtype=object),
        "时刻": pd.to_datetime([when, None, when, when]),
        "开始日期": pd.to_datetime([when, None, when, when]),
        "工时": [1.5, float("nan"), 0.0, 2.0],
        "件数": np.array([1, 2, 3, 4], dtype=np.int64),
        "_cell": ["A2", "A3", None, "A5"],
        "_sheet": ["商品进出", None, None, None],
    })
    table = ResultTable("测试", frame, links={"编号": "编号"})
    sheet = to_result_sheet(table, as_of=dt.datetime(2026, 3, 10, 10, 0), source_sheet="源")
    assert sheet.headers == ["编号", "混合", "混合日期", "时刻", "开始日期", "工时", "件数"]
    assert [row[0] for row in sheet.rows] == [Link("1", sheet="商品进出", cell="A2"), Link("2", sheet="源", cell="A3"),
                                              3.5, None]
    assert [row[1] for row in sheet.rows] == [None, None, None, when]
    assert [row[2] for row in sheet.rows] == [when.date(), when.date(), 7, None]
    assert type(sheet.rows[2][2]) is int
    assert [row[3] for row in sheet.rows] == [when, None, when, when]
    assert [row[4] for row in sheet.rows] == [when.date(), None, when.date(), when.date()]
    assert [row[5] for row in sheet.rows] == [1.5, None, 0.0, 2.0]
    assert [row[6] for row in sheet.rows] == [1, 2, 3, 4] and all(type(row[6]) is int for row in sheet.rows)
    assert type(sheet.rows[3][3]) is dt.datetime and type(sheet.rows[0][1]) is type(None)


# --- master data: 工作日历 -------------------------------------------------------------------------------------

def test_coverage_text_of_covered_years_with_and_without_overrides() -> None:
    cal = WorkCalendar(overrides={dt.date(2026, 5, 6): True, dt.date(2026, 5, 7): False})
    assert coverage_text(cal, [2026]) == "日历覆盖：2026 年有法定节假日与调休数据，另有节假日调整 2 天"
    plain = WorkCalendar()
    assert coverage_text(plain, [2025, 2026]) == "日历覆盖：2025 年有法定节假日与调休数据；2026 年有法定节假日与调休数据"
    weekdays = WorkCalendar(holidays="none")
    assert coverage_text(weekdays, [2026]) == (
        "设置 calendar.holidays = none：不使用法定节假日数据，按周一至周五计算，另加 基础资料/节假日调整"
    )


def test_the_coverage_row_names_this_year_and_the_next_only() -> None:
    table = result(make_input("master", {}, dt.datetime(2026, 1, 10, 9, 0)), "工作日历")
    note = rows_of(table)[-1][-1]
    assert note.startswith("日历覆盖：2026 年有法定节假日与调休数据；2027 年")
    assert "2025" not in note


def test_calendar_notes_name_every_uncovered_year_a_row_depends_on() -> None:
    inp = make_input("callins", {}, dt.datetime(2098, 6, 1, 9, 0))
    starts = np.array(["2098-03-02T09:00", "2098-12-30T09:00", "2026-03-02T09:00", "NaT"], dtype="datetime64[m]")
    ends = np.array(["2098-03-02T12:00", "2099-01-04T10:00", "2026-03-02T12:00", "NaT"], dtype="datetime64[m]")
    notes = calendar_notes(inp, starts, ends)
    assert notes.tolist() == ["2098 年节假日未录入，本行时间按周一至周五推算",
                              "2098、2099 年节假日未录入，本行时间按周一至周五推算", None, None]
    assert len(calendar_notes(inp)) == 0


# --- call-ins: 派工时限, 次日优先派工, 收费核对 ------------------------------------------------------------------

CALL_HEADER = ["登记号", "来电时间", "客户名称", "地址", "电话", "区域", "服务类别", "派工时间", "到达时间", "完成时间",
               "处理方式", "服务费", "发票号", "开票日期"]


def call(number: str, called: str, arrived: str | None = None, done: str | None = None, fee: float | None = None,
         invoice: str | None = None, dispatched: str | None = None) -> list:
    return [number, called, "甲公司", "江北路1号", "13812345678", "市区", "A", dispatched, arrived, done, "现场修复",
            fee, invoice, done[:10] if done and invoice else None]


def test_instants_counted_from_1990_to_the_end_of_2100() -> None:
    early = make_input("callins", {"叫修登记": [CALL_HEADER, call("C1", "1990-01-01 00:00"),
                                             call("C2", "1989-12-31 23:59")]}, dt.datetime(1990, 1, 2, 9, 0))
    assert deadlines(early)[0].tolist() == [True, False]
    late = make_input("callins", {"叫修登记": [CALL_HEADER, call("C1", "2100-12-31 23:59"),
                                            call("C2", "2101-01-01 00:00")]}, dt.datetime(2101, 1, 2, 9, 0))
    assert deadlines(late)[0].tolist() == [True, False]


def test_deadline_sheet_boundaries() -> None:
    now = dt.datetime(2026, 3, 10, 10, 0)  # a Tuesday
    rows = [CALL_HEADER,
            call("C1", "2026-03-05 10:00", "2026-03-05 11:00", "2026-03-05 12:00"),  # completed 5 days ago: shown
            call("C2", "2026-03-05 09:59", "2026-03-05 11:00", "2026-03-05 12:00"),  # a minute earlier: not
            call("C3", "2026-03-09 09:00", "2026-03-09 13:00", "2026-03-09 14:00"),  # urban 4 h: due 13:00, on time
            call("C4", "2026-03-10 10:00")]  # called at the as-of minute: counted, open, not late
    inp = make_input("callins", {"叫修登记": rows}, now, settings=Settings(window_days=5))
    table = result(inp, "派工时限")
    assert [(r[0], r[7]) for r in rows_of(table)] == [("C1", "按时"), ("C3", "按时"), ("C4", "未到达(未超时)")]
    sheet = to_result_sheet(table, as_of=now, source_sheet="叫修登记")
    assert sheet.rows[1][0] == Link("C3", sheet="叫修登记", cell="A4")


def test_notes_and_warnings_name_the_years_of_the_call_the_deadline_and_the_arrival() -> None:
    # 2098 and 2099 have no holiday data: a call late on 2098-12-31, reached at once, due in 2099
    rows = [CALL_HEADER, call("C1", "2098-12-31 16:30", "2098-12-31 16:45")]
    table = result(make_input("callins", {"叫修登记": rows}, dt.datetime(2099, 1, 5, 9, 0)), "派工时限")
    assert rows_of(table)[0][-1] == "2098、2099 年节假日未录入，本行时间按周一至周五推算"
    assert [p.code for p in table.problems] == ["CLD001", "CLD001"]  # one warning per uncovered year
    waiting = [CALL_HEADER, call("C1", "2098-12-31 16:30")]  # due 2099-01-01 12:30; now 2100-01-04
    table = result(make_input("callins", {"叫修登记": waiting}, dt.datetime(2100, 1, 4, 9, 0)), "次日优先派工")
    assert rows_of(table)[0][-1] == "2098、2099、2100 年节假日未录入，本行时间按周一至周五推算"
    sheet = to_result_sheet(table, as_of=dt.datetime(2100, 1, 4, 9, 0), source_sheet="叫修登记")
    assert sheet.rows[0][1] == Link("C1", sheet="叫修登记", cell="A2")


def test_billing_lists_a_missing_fee_and_links_the_call() -> None:
    now = dt.datetime(2026, 3, 10, 10, 0)
    rows = [CALL_HEADER,
            call("C1", "2026-03-09 09:00", "2026-03-09 10:00", "2026-03-09 11:00", fee=0.5, invoice="F1"),  # fine
            call("C2", "2026-03-09 09:00", "2026-03-09 10:00", "2026-03-09 12:00", fee=None, invoice="F2")]
    table = result(make_input("callins", {"叫修登记": rows}, now), "收费核对")
    assert [(r[0], r[-1]) for r in rows_of(table)] == [("C2", "未收费")]
    sheet = to_result_sheet(table, as_of=now, source_sheet="叫修登记")
    assert sheet.rows[0][0] == Link("C2", sheet="叫修登记", cell="A3")
