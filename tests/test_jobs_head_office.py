"""Tests for the head-office jobs: 客户维护提醒 (customers), 信息汇总 (demand), 工作日历 (master).
Registers are written inline; expected rows are worked out by hand (2026 holidays from chinesecalendar)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from test_jobs import d, make_input, result, rows_of

from automation.jobs import to_result_sheet
from automation.settings import Settings
from automation.xlsx.sheet_xml import Link

AS_OF = dt.datetime(2026, 3, 10, 10, 0)

# ---------------------------------------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------------------------------------

STAFF = pd.DataFrame(
    {
        "姓名": ["张三", "李四", "王五", "赵六"],
        "工号": ["E001", "E002", "E003", "E004"],
        "岗位": ["业务员"] * 4,
        "在职状态": ["在职", "离职", "在职", "离职"],
        "离职日期": pd.to_datetime(["", "2026-01-31", "", ""]).astype("datetime64[s]"),
    }
)
CUSTOMERS = [
    ["客户代码", "客户名称", "重要客户", "主办业务员", "协办业务员", "往来状态"],
    ["KH00002", "乙公司", "是", "张三", "张三", "正常"],
    ["KH00001", "甲公司", "是", "张三", None, "正常"],
    ["KH00003", "丙公司", "否", "李四", None, "暂停"],
    ["KH00004", "丁公司", "是", "王五", "E002", "正常"],
    ["KH00005", "戊公司", "是", "李四", None, "终止"],
    ["KH00006", "己公司", "是", "王五", "张三", "正常"],
    ["KH00007", "庚公司", "是", "赵六", None, "正常"],
]


def test_customer_reminders() -> None:
    table = result(make_input("customers", {"客户": CUSTOMERS}, AS_OF, staff=STAFF), "客户维护提醒")
    assert list(table.frame.columns[:6]) == ["客户代码", "客户名称", "重要客户", "主办业务员", "协办业务员", "提醒"]
    assert rows_of(table) == [
        ["KH00001", "甲公司", "是", "张三", None, "重要客户缺少协办业务员"],
        ["KH00002", "乙公司", "是", "张三", "张三", "重要客户的协办业务员与主办业务员相同，须另指定一人"],
        ["KH00003", "丙公司", "否", "李四", None, "主办业务员 李四 已于 2026-01-31 离职，须交接"],
        ["KH00004", "丁公司", "是", "王五", "E002", "协办业务员 E002 已于 2026-01-31 离职，须交接"],
        ["KH00007", "庚公司", "是", "赵六", None, "重要客户缺少协办业务员；主办业务员 赵六 已离职，须交接"],
    ]
    sheet = to_result_sheet(table, as_of=AS_OF, source_sheet="客户")
    assert sheet.rows[0][0] == Link("KH00001", sheet="客户", cell="A3")


def test_customer_reminders_without_staff_list() -> None:
    table = result(make_input("customers", {"客户": CUSTOMERS}, AS_OF), "客户维护提醒")
    assert [row[0] for row in rows_of(table)] == ["KH00001", "KH00002", "KH00007"]


# ---------------------------------------------------------------------------------------------------------
# Demand information
# ---------------------------------------------------------------------------------------------------------

DEMAND = [
    ["信息编号", "登记日期", "提供人", "提供人部门", "信息来源", "需求内容", "订货信息", "可信度", "使用价值", "采用情况",
     "奖励金额(元)"],
    ["D1", "2026-01-05", "张三", "营业部", "客户", "求购", "是", "高", "中", "已采用", 100],
    ["D2", "2026-01-20", "李四", "营业部", "客户", "求购", "是", "中", "高", "待定", 200],
    ["D3", "2026-02-03", "王五", "服务部", "政府部门", "招标", "否", "中", "低", "未采用", None],
    ["D4", "2026-02-10", "赵六", None, "客户", "询价", "否", "低", "中", "未采用", 0],
    ["D5", "2026-02-11", "王五", "服务部", "政府部门", "招标", "否", "中", "中", "已采用", 0],
]


def test_demand_summary() -> None:
    table = result(make_input("demand", {"需求信息": DEMAND}, AS_OF), "信息汇总")
    assert list(table.frame.columns[:7]) == ["类别", "项目", "月份", "条数", "提供人", "提供人部门", "奖励金额"]
    assert rows_of(table) == [
        ["按来源×月份", "政府部门", "2026-02", 2, None, None, None],
        ["按来源×月份", "客户", "2026-02", 1, None, None, None],
        ["按来源×月份", "客户", "2026-01", 2, None, None, None],
        ["按来源×月份", "合计", None, 5, None, None, None],
        ["按部门", "服务部", None, 2, None, None, None],
        ["按部门", "营业部", None, 2, None, None, None],
        ["按部门", "（未填部门）", None, 1, None, None, None],
        ["按部门", "合计", None, 5, None, None, None],
        ["应付奖励", "D1", "2026-01", None, "张三", "营业部", 100.0],
        ["应付奖励", "D2", "2026-01", None, "李四", "营业部", 200.0],
        ["应付奖励", "合计", None, 2, None, None, 300.0],
    ]
    sheet = to_result_sheet(table, as_of=AS_OF, source_sheet="需求信息")
    assert type(sheet.rows[0][3]) is int  # counts are whole numbers, not 2.0
    assert sheet.rows[8][1] == Link("D1", sheet="需求信息", cell="A2")
    assert not isinstance(sheet.rows[0][1], Link)  # count rows have no source row


def test_demand_summary_empty() -> None:
    table = result(make_input("demand", {"需求信息": DEMAND[:1]}, AS_OF), "信息汇总")
    assert table.frame.empty and table.empty_message


# ---------------------------------------------------------------------------------------------------------
# Working calendar
# ---------------------------------------------------------------------------------------------------------


def test_calendar_sheet_next_60_days() -> None:
    table = result(make_input("master", {}, dt.datetime(2026, 2, 10, 9, 0)), "工作日历")
    rows = rows_of(table)
    assert len(rows) == 61  # 60 days and the coverage row
    assert list(table.frame.columns) == ["日期", "星期", "是否工作日", "原因", "节日", "说明"]
    by_day = {row[0]: row for row in rows[:-1]}
    assert rows[0][0] == d("2026-02-10") and rows[59][0] == d("2026-04-10")
    assert by_day[d("2026-02-13")][1:5] == ["星期五", "是", "工作日", None]
    assert by_day[d("2026-02-14")][1:] == ["星期六", "是", "调休", "春节", "春节调休，照常上班"]
    assert by_day[d("2026-02-15")][1:5] == ["星期日", "否", "周末", "春节"]
    assert by_day[d("2026-02-16")][1:5] == ["星期一", "否", "节日", "春节"]
    assert by_day[d("2026-02-28")][2:4] == ["是", "调休"]
    last = rows[-1]
    assert last[:5] == [None] * 5
    assert "2026 年有法定节假日与调休数据" in last[5] and "2027 年无节假日数据" in last[5]
    assert table.problems == []


def test_calendar_sheet_overrides_from_this_workbook_and_uncovered_year() -> None:
    overrides = [["日期", "类型", "说明"], ["2026-12-04", "休息日", "公司活动"]]
    inp = make_input("master", {"节假日调整": overrides}, dt.datetime(2026, 12, 1, 9, 0))
    table = result(inp, "工作日历")
    by_day = {row[0]: row for row in rows_of(table)[:-1]}
    assert by_day[d("2026-12-04")][1:] == ["星期五", "否", "覆盖", None, "按 节假日调整"]
    assert by_day[d("2027-01-04")][2:] == ["是", "工作日", None, "该年无节假日数据，按周一至周五计算"]
    assert [(p.code, p.sheet) for p in table.problems] == [("CLD001", "工作日历")]
    assert "2026 年有法定节假日与调休数据，另有节假日调整 1 天" in rows_of(table)[-1][5]


def test_calendar_sheet_without_holiday_data() -> None:
    inp = make_input("master", {}, dt.datetime(2026, 9, 28, 9, 0), settings=Settings(holidays="none"))
    table = result(inp, "工作日历")
    by_day = {row[0]: row for row in rows_of(table)[:-1]}
    assert by_day[d("2026-10-01")][2:4] == ["是", "工作日"]
    assert table.problems == []
    assert "calendar.holidays = none" in rows_of(table)[-1][5]
