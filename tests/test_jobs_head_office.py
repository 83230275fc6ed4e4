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
    # The written sheet puts hand-overs first: 主办 left, then 协办 left, then the rest, each by 客户代码.
    assert [row[0].text for row in sheet.rows] == ["KH00003", "KH00007", "KH00004", "KH00001", "KH00002"]
    assert sheet.rows[0][0] == Link("KH00003", sheet="客户", cell="A4")


def test_customer_reminders_resolve_staff_like_validation() -> None:
    """Issue 10: one person named by 工号 and by 姓名 is no second person (CUS003 says so too), and a 协办 who is
    not in 员工 is no second staff member; both are reminded, like validation resolves staff (姓名 or 工号)."""
    customers = [
        CUSTOMERS[0],
        ["KH00011", "子公司", "是", "张三", "E001", "正常"],  # the same person, once by 工号
        ["KH00012", "丑公司", "是", "E003", "王五", "正常"],  # the same person, 主办 by 工号
        ["KH00013", "寅公司", "是", "张三", "钱七", "正常"],  # 钱七 is not in 员工
        ["KH00014", "卯公司", "否", "张三", "钱七", "正常"],  # not important: validation's STF001 is enough
        ["KH00015", "辰公司", "是", "张三", "E003", "正常"],  # a real second person, by 工号
        ["KH00016", "巳公司", "是", "E001", "E004", "正常"],  # 赵六 (E004) has left: hand over
    ]
    table = result(make_input("customers", {"客户": customers}, AS_OF, staff=STAFF), "客户维护提醒")
    assert rows_of(table) == [
        ["KH00011", "子公司", "是", "张三", "E001", "重要客户的协办业务员与主办业务员相同，须另指定一人"],
        ["KH00012", "丑公司", "是", "E003", "王五", "重要客户的协办业务员与主办业务员相同，须另指定一人"],
        ["KH00013", "寅公司", "是", "张三", "钱七", "重要客户的协办业务员 钱七 不在员工名单中，须另指定本公司人员"],
        ["KH00016", "巳公司", "是", "E001", "E004", "协办业务员 E004 已离职，须交接"],
    ]
    # without a staff list nobody can be resolved: only the same text counts, and nobody is unknown
    plain = result(make_input("customers", {"客户": customers}, AS_OF), "客户维护提醒")
    assert rows_of(plain) == []


def test_customer_reminders_without_staff_list() -> None:
    table = result(make_input("customers", {"客户": CUSTOMERS}, AS_OF), "客户维护提醒")
    assert [row[0] for row in rows_of(table)] == ["KH00001", "KH00002", "KH00007"]


ARCHIVE = ["客户代码", "客户名称", "重要客户", "主办业务员", "协办业务员", "建档日期", "往来状态"]
CONTACT_HEADER = ["日期", "客户代码", "方式", "本公司人员", "摘要"]


def test_important_customers_not_contacted_within_contact_days() -> None:
    """第七条(3): as of 2026-03-10 with 90 days the last contact must be on or after 2025-12-10."""
    customers = [
        ARCHIVE,
        ["KH00021", "甲公司", "是", "张三", "王五", "2025-01-01", "正常"],  # 2025-12-10: exactly 90 days, in time
        ["KH00022", "乙公司", "是", "张三", "王五", "2025-01-01", "正常"],  # 2025-12-09: 91 days
        ["KH00023", "丙公司", "是", "张三", "王五", "2026-02-01", "正常"],  # no record, filed 37 days ago
        ["KH00024", "丁公司", "是", "张三", "王五", "2025-06-01", "正常"],  # no record, filed long ago
        ["KH00025", "戊公司", "否", "张三", None, "2025-01-01", "正常"],  # not important: no contact report
        ["KH00026", "己公司", "是", "张三", "王五", "2025-01-01", "终止"],  # no business left
    ]
    contacts = [
        CONTACT_HEADER,
        ["2025-12-10", "KH00021", "电话", "张三", "回访"],
        ["2025-06-01", "KH00022", "走访", "王五", "走访"],
        ["2025-12-09", "KH00022", "电话", "张三", "回访"],
        ["2025-01-05", "KH00025", "电话", "张三", "回访"],
    ]
    sheets = {"客户": customers, "往来记录": contacts}
    table = result(make_input("customers", sheets, AS_OF, staff=STAFF), "客户维护提醒")
    assert rows_of(table) == [
        ["KH00022", "乙公司", "是", "张三", "王五",
         "重要客户已 91 天未联系（最近往来 2025-12-09，规定 90 天内），须安排联系并记入往来记录"],
        ["KH00024", "丁公司", "是", "张三", "王五", "重要客户建档后没有往来记录（超过 90 天），须安排联系并记入往来记录"],
    ]
    # A shorter limit moves the cut-off: 30 days before 2026-03-10 is 2026-02-08, so 丙 (filed 2026-02-01) is due too.
    short = result(make_input("customers", sheets, AS_OF, staff=STAFF, settings=Settings(contact_days=30)), "客户维护提醒")
    assert [row[0] for row in rows_of(short)] == ["KH00021", "KH00022", "KH00023", "KH00024"]
    assert rows_of(short)[0][5] == "重要客户已 90 天未联系（最近往来 2025-12-10，规定 30 天内），须安排联系并记入往来记录"
    # An archive without the 往来记录 sheet (older templates) is not reminded of contacts it cannot record.
    assert rows_of(result(make_input("customers", {"客户": customers}, AS_OF, staff=STAFF), "客户维护提醒")) == []


def test_handover_stays_until_the_customer_is_told_and_a_successor_leads() -> None:
    """第七条(4): 李四 left on 2026-01-31; his customers now have another 主办, the reminder stays until a record by
    someone else dated 2026-01-31 or later shows the customer was told, and the 主办 is in service."""
    customers = [
        ARCHIVE,
        ["KH00031", "甲公司", "否", "王五", None, "2025-01-01", "正常"],  # never told since
        ["KH00032", "乙公司", "否", "王五", None, "2025-01-01", "正常"],  # told on the leaving day: done
        ["KH00033", "丙公司", "否", "王五", None, "2025-01-01", "正常"],  # told the day before: not yet
        ["KH00034", "丁公司", "否", "钱七", None, "2025-01-01", "正常"],  # told, but 钱七 is no staff member
        ["KH00035", "戊公司", "否", "李四", None, "2025-01-01", "正常"],  # still named: the 须交接 reminder
        ["KH00036", "己公司", "否", "王五", None, "2025-01-01", "终止"],  # no business left
        ["KH00037", "庚公司", "否", "王五", None, "2025-01-01", "正常"],  # 赵六 left, date unknown; 张三 called
    ]
    contacts = [
        CONTACT_HEADER,
        ["2025-11-01", "KH00031", "走访", "李四", "走访"],
        ["2025-11-01", "KH00032", "走访", "E002", "走访"],  # 李四 by 工号
        ["2026-01-31", "KH00032", "电话", "王五", "告知李四离职，由王五接替"],
        ["2025-11-01", "KH00033", "走访", "李四", "走访"],
        ["2026-01-30", "KH00033", "电话", "王五", "回访"],
        ["2025-11-01", "KH00034", "走访", "李四", "走访"],
        ["2026-02-05", "KH00034", "电话", "王五", "告知李四离职"],
        ["2025-11-01", "KH00035", "走访", "李四", "走访"],
        ["2025-11-01", "KH00036", "走访", "李四", "走访"],
        ["2025-10-01", "KH00037", "走访", "赵六", "走访"],
        ["2025-12-01", "KH00037", "电话", "张三", "告知赵六离职"],
    ]
    table = result(make_input("customers", {"客户": customers, "往来记录": contacts}, AS_OF, staff=STAFF), "客户维护提醒")
    assert rows_of(table) == [
        ["KH00031", "甲公司", "否", "王五", None,
         "原业务员 李四 已于 2026-01-31 离职，交接未完成：往来记录中还没有 2026-01-31 当天或之后通知客户的记录"],
        ["KH00033", "丙公司", "否", "王五", None,
         "原业务员 李四 已于 2026-01-31 离职，交接未完成：往来记录中还没有 2026-01-31 当天或之后通知客户的记录"],
        ["KH00034", "丁公司", "否", "钱七", None, "原业务员 李四 已于 2026-01-31 离职，交接未完成：主办业务员须为在职的接替人员"],
        ["KH00035", "戊公司", "否", "李四", None, "主办业务员 李四 已于 2026-01-31 离职，须交接"],
    ]
    # Written sheet: 主办 left first, then the unfinished hand-overs.
    sheet = to_result_sheet(table, as_of=AS_OF, source_sheet="客户")
    assert [row[0].text for row in sheet.rows] == ["KH00035", "KH00031", "KH00033", "KH00034"]


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
    assert list(table.frame.columns[:8]) == ["类别", "项目", "月份", "条数", "提供人", "提供人部门", "奖励金额", "说明"]
    assert all(row[7] is None for row in rows_of(table))  # every typed reward is paid: nothing to explain
    assert [row[:7] for row in rows_of(table)] == [
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


def test_demand_rewards_to_pay_are_only_those_validation_accepts() -> None:
    """Issue 10: a reward outside settings' range (DEM002) or without a 提供人 is not paid and not in the 合计; every
    typed reward left out is listed with the reason, and the 合计 row says how many were left out."""
    demand = [
        DEMAND[0],
        ["D1", "2026-01-05", "张三", "营业部", "客户", "求购", "是", "高", "中", "已采用", 100],
        ["D6", "2026-01-06", "钱七", "营业部", "客户", "求购", "是", "高", "高", "已采用", 800],  # > reward_max 500
        ["D7", "2026-01-07", None, "服务部", "客户", "求购", "是", "高", "高", "待定", 120],  # nobody to pay
        ["D8", "2026-01-08", "孙八", "服务部", "客户", "询价", "否", "低", "低", "未采用", 60],  # not earned (DEM001)
        ["D9", "2026-01-09", "周九", "服务部", "客户", "询价", "否", "低", "高", "待定", 30],  # < reward_min 50
        ["D10", "2026-01-10", "吴十", "服务部", "客户", "询价", "否", "低", "中", "未采用", 0],  # no reward typed
    ]
    table = result(make_input("demand", {"需求信息": demand}, AS_OF), "信息汇总")
    rewards = [row for row in rows_of(table) if row[0] in ("应付奖励", "未计入奖励")]
    assert rewards == [
        ["应付奖励", "D1", "2026-01", None, "张三", "营业部", 100.0, None],
        ["应付奖励", "合计", None, 1, None, None, 100.0, "另有 4 条奖励未计入（见下方「未计入奖励」），请按「校验结果」更正"],
        ["未计入奖励", "D6", "2026-01", None, "钱七", "营业部", 800.0, "奖励金额超出 50–500 元"],
        ["未计入奖励", "D7", "2026-01", None, None, "服务部", 120.0, "未填提供人"],
        ["未计入奖励", "D8", "2026-01", None, "孙八", "服务部", 60.0, "不符合奖励条件（须已采用或使用价值为高）"],
        ["未计入奖励", "D9", "2026-01", None, "周九", "服务部", 30.0, "奖励金额超出 50–500 元"],
        ["未计入奖励", "合计", None, 4, None, None, None, "未计入应付奖励；更正后再次运行即计入"],
    ]
    sheet = to_result_sheet(table, as_of=AS_OF, source_sheet="需求信息")
    left_out = next(row for row in sheet.rows if row[0] == "未计入奖励")
    assert left_out[1] == Link("D6", sheet="需求信息", cell="A3")  # the clerk can jump to the row to correct
    # the range is the settings', as for validation's DEM002
    wide = result(make_input("demand", {"需求信息": demand}, AS_OF, settings=Settings(reward_max=1000)), "信息汇总")
    paid = [row[1] for row in rows_of(wide) if row[0] == "应付奖励"]
    assert paid == ["D1", "D6", "合计"]


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


def test_calendar_sheet_one_row_does_not_cover_a_year_the_marker_does() -> None:
    one_row = [["日期", "类型", "说明"], ["2027-01-01", "休息日", "元旦"]]
    table = result(make_input("master", {"节假日调整": one_row}, dt.datetime(2026, 12, 1, 9, 0)), "工作日历")
    rows = rows_of(table)
    by_day = {row[0]: row for row in rows[:-1]}
    assert by_day[d("2027-01-01")][1:] == ["星期五", "否", "覆盖", None, "按 节假日调整"]
    assert by_day[d("2027-01-04")][5] == "该年无节假日数据，按周一至周五计算"
    assert [(p.code, p.sheet) for p in table.problems] == [("CLD001", "工作日历")]
    assert "2027 年只录入了节假日调整 1 天" in rows[-1][5] and "全年已录入" in rows[-1][5]

    # 「全年已录入」 on Wednesday 2027-01-20: the year is covered and that day is still an ordinary working day.
    marked = [*one_row, ["2027-01-20", "全年已录入", None]]
    table = result(make_input("master", {"节假日调整": marked}, dt.datetime(2026, 12, 1, 9, 0)), "工作日历")
    rows = rows_of(table)
    by_day = {row[0]: row for row in rows[:-1]}
    assert by_day[d("2027-01-20")][1:] == ["星期三", "是", "工作日", None, None]
    assert by_day[d("2027-01-04")][5] is None
    assert table.problems == []
    assert "2027 年已标明全年已录入" in rows[-1][5]


def test_calendar_sheet_complete_years_setting() -> None:
    inp = make_input("master", {}, dt.datetime(2026, 12, 1, 9, 0), settings=Settings(complete_years=(2027,)))
    table = result(inp, "工作日历")
    assert table.problems == []
    assert "2027 年已标明全年已录入" in rows_of(table)[-1][5]


def test_overdue_contacts_counts_the_contact_reminders_only() -> None:
    import pandas as pd

    from automation.jobs.customers import NEVER_CONTACTED, NO_SECOND, NOT_CONTACTED, overdue_contacts

    rows = [NOT_CONTACTED.format(days=120, last="2026-07-01", limit=90), NEVER_CONTACTED.format(limit=90), NO_SECOND]
    assert overdue_contacts(pd.DataFrame({"提醒": rows})) == 2
    assert overdue_contacts(pd.DataFrame({"提醒": pd.Series([], dtype=object)})) == 0  # a fresh root: no reminders
    assert overdue_contacts(pd.DataFrame()) == 0
