"""Tests for the branch jobs other than call-ins: 逾期维修, 在修商品 (items), 服务主任日报 (worklog), 续约提醒
(contracts). Registers are written inline; expected rows are worked out by hand."""

from __future__ import annotations

import datetime as dt

from test_jobs import d, make_input, result, rows_of

from automation.xlsx.sheet_xml import Link

AS_OF = dt.datetime(2026, 3, 10, 10, 0)

# ---------------------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------------------

ITEM_HEADER = ["收据号", "登记号", "客户名称", "商品型号", "带回日期", "约定完成日期", "修理卡号", "维修技术员", "修妥日期",
               "归还日期", "服务类别"]
ITEMS = [
    ITEM_HEADER,
    ["R1", "C01", "甲", "XJ-1", "2026-03-01", "2026-03-05", "K1", "王强", None, None, "A"],  # 5 days overdue
    ["R2", "C02", "乙", "XJ-2", "2026-03-02", "2026-03-12", "K2", "王强", None, None, "B"],  # in repair
    ["R3", "C03", "丙", "XJ-3", "2026-02-27", "2026-03-04", "K3", "刘洋", "2026-03-06", None, "A"],  # ready
    ["R4", "C04", "丁", "XJ-4", "2026-02-20", "2026-02-25", "K4", "刘洋", "2026-02-24", "2026-02-26", "C"],  # gone
    ["R5", "C05", "戊", "XJ-5", "2026-03-03", "2026-03-10", "K5", "王强", None, None, "C"],  # due today: not late
    ["R6", "C06", "己", "XJ-6", "2026-03-11", "2026-03-15", "K6", "王强", None, None, "C"],  # not brought in yet
    ["R7", "C07", "庚", "XJ-7", "2026-02-01", "2026-02-10", "K7", "刘洋", None, None, "A"],  # 28 days overdue
]


def test_overdue_repairs() -> None:
    table = result(make_input("items", {"商品进出": ITEMS}, AS_OF), "逾期维修")
    assert list(table.frame.columns[:9]) == [
        "收据号", "登记号", "客户名称", "商品型号", "维修技术员", "带回日期", "约定完成日期", "逾期天数", "处理"
    ]
    assert rows_of(table) == [
        ["R7", "C07", "庚", "XJ-7", "刘洋", d("2026-02-01"), d("2026-02-10"), 28, "报服务主任"],
        ["R1", "C01", "甲", "XJ-1", "王强", d("2026-03-01"), d("2026-03-05"), 5, "报服务主任"],
    ]


def test_items_in_repair() -> None:
    table = result(make_input("items", {"商品进出": ITEMS}, AS_OF), "在修商品")
    assert rows_of(table) == [
        ["R7", "C07", "庚", "XJ-7", "刘洋", d("2026-02-01"), d("2026-02-10"), None, "逾期"],
        ["R3", "C03", "丙", "XJ-3", "刘洋", d("2026-02-27"), d("2026-03-04"), d("2026-03-06"), "已修妥待取"],
        ["R1", "C01", "甲", "XJ-1", "王强", d("2026-03-01"), d("2026-03-05"), None, "逾期"],
        ["R2", "C02", "乙", "XJ-2", "王强", d("2026-03-02"), d("2026-03-12"), None, "维修中"],
        ["R5", "C05", "戊", "XJ-5", "王强", d("2026-03-03"), d("2026-03-10"), None, "维修中"],
    ]
    link = table.frame["_cell"].tolist()[0]
    assert link == "A8"


def test_items_empty() -> None:
    table = result(make_input("items", {"商品进出": [ITEM_HEADER]}, AS_OF), "逾期维修")
    assert table.frame.empty and rows_of(table) == []
    assert table.empty_message == "当前没有逾期未修妥的商品"


# ---------------------------------------------------------------------------------------------------------
# Worklog
# ---------------------------------------------------------------------------------------------------------

WORK = [
    ["日期", "技术员", "登记号", "服务类别", "工作内容", "工时"],
    ["2026-03-09", "张伟", "C01", "A", "现场修复", 2],
    ["2026-03-09", "张伟", "C02", "B类", "保养", 1.5],
    ["2026-03-09", "李娜", "C03", "C", "检测", 3],
    ["2026-03-09", "张伟", "C04", "有费", "现场修复", 1],
    ["2026-03-10", "李娜", "C05", "A", "现场修复", 2],
    ["2026-03-08", "王强", "C06", "B", "保养", 4],
    ["2026-03-08", "王强", None, "D类", "培训", 1],  # unreadable category: counts in 合计 only
    ["2026-03-11", "王强", None, "A", "明天的事", 1],  # after the as-of day: left out
]
REVIEW = [
    ["日期", "服务主任", "经理核阅", "核阅日期"],
    ["2026-03-09", "李娜", "是", "2026-03-10"],
    ["2026-03-10", "李娜", "否", None],
]


def test_supervisor_daily_report() -> None:
    inp = make_input("worklog", {"工作日报": WORK, "日报核阅": REVIEW}, dt.datetime(2026, 3, 10, 18, 0))
    table = result(inp, "服务主任日报")
    assert list(table.frame.columns) == [
        "日期", "技术员", "A件数", "A工时", "B件数", "B工时", "C件数", "C工时", "合计件数", "合计工时", "经理核阅"
    ]
    assert rows_of(table) == [
        [d("2026-03-10"), "李娜", 1, 2.0, 0, 0.0, 0, 0.0, 1, 2.0, "未核阅"],
        [d("2026-03-10"), "合计", 1, 2.0, 0, 0.0, 0, 0.0, 1, 2.0, "未核阅"],
        [d("2026-03-09"), "张伟", 2, 3.0, 1, 1.5, 0, 0.0, 3, 4.5, "已核阅 2026-03-10"],
        [d("2026-03-09"), "李娜", 0, 0.0, 0, 0.0, 1, 3.0, 1, 3.0, "已核阅 2026-03-10"],
        [d("2026-03-09"), "合计", 2, 3.0, 1, 1.5, 1, 3.0, 4, 7.5, "已核阅 2026-03-10"],
        [d("2026-03-08"), "王强", 0, 0.0, 1, 4.0, 0, 0.0, 2, 5.0, "无核阅记录"],
        [d("2026-03-08"), "合计", 0, 0.0, 1, 4.0, 0, 0.0, 2, 5.0, "无核阅记录"],
    ]


def test_daily_report_without_review_sheet_or_rows() -> None:
    inp = make_input("worklog", {"工作日报": WORK[:2]}, dt.datetime(2026, 3, 10, 18, 0))
    assert [row[-1] for row in rows_of(result(inp, "服务主任日报"))] == ["无核阅记录", "无核阅记录"]
    empty = result(make_input("worklog", {"工作日报": WORK[:1]}, AS_OF), "服务主任日报")
    assert empty.frame.empty and empty.problems == []


# ---------------------------------------------------------------------------------------------------------
# Contracts
# ---------------------------------------------------------------------------------------------------------

CONTRACT_HEADER = ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态",
                   "到期通知日期", "续约结果", "新合同编号"]


def contract(no: str, expiry: str, state: str = "有效", notice: str | None = None, outcome: str | None = None) -> list:
    return [no, "KH00001", "甲公司", "XJ-1", "2025-04-01", expiry, 3000, state, notice, outcome, None]


CONTRACTS = [
    CONTRACT_HEADER,
    contract("K1", "2026-04-01"),  # 22 days: send the notice
    contract("K2", "2026-03-20", notice="2026-02-20"),  # 10 days, notice sent 28 days before: late (第十九条)
    contract("K3", "2026-03-01", outcome="洽谈中"),  # 9 days past, still talking
    contract("K4", "2026-03-15", state="已续约"),  # settled
    contract("K5", "2026-03-15", outcome="不续约"),  # settled
    contract("K6", "2026-06-01"),  # far away
    contract("K7", "2026-04-09"),  # exactly 30 days: listed
    contract("K8", "2026-04-10"),  # 31 days: not yet
    contract("K9", "2026-02-01", state="已终止"),  # settled
    contract("K10", "2026-03-10", notice="2026-02-08"),  # expires today: not past yet
]


def test_renewal_reminders() -> None:
    table = result(make_input("contracts", {"保养合同": CONTRACTS}, AS_OF), "续约提醒")
    assert list(table.frame.columns[:8]) == ["合同编号", "客户代码", "客户名称", "到期日期", "剩余天数", "到期通知日期", "状态",
                                             "通知书"]
    # 通知书 links to the expiry notice of each contract that needs one (第十九条), beside the workbook. This
    # register has no visit columns (an older template): 续约拜访, the last column, stays blank.
    assert rows_of(table) == [
        ["K3", "KH00001", "甲公司", d("2026-03-01"), -9, None, "已过期未续约", None, None],
        ["K10", "KH00001", "甲公司", d("2026-03-10"), 0, d("2026-02-08"), "已寄通知", None, None],
        ["K2", "KH00001", "甲公司", d("2026-03-20"), 10, d("2026-02-20"), "已寄通知（晚于期满前 30 天）", None, None],
        ["K1", "KH00001", "甲公司", d("2026-04-01"), 22, None, "需寄通知", "通知书/K1_甲公司.docx", None],
        ["K7", "KH00001", "甲公司", d("2026-04-09"), 30, None, "需寄通知", "通知书/K7_甲公司.docx", None],
    ]


def test_renewal_reminders_show_the_visit() -> None:
    """第十九条「并派员前往争取续约」: 续约拜访 shows the recorded visit (date, who, outcome), else 未拜访."""
    header = [*CONTRACT_HEADER, "续约拜访人", "拜访日期", "拜访结果", "不续约原因"]
    rows = [
        header,
        [*contract("V1", "2026-03-20", notice="2026-02-18"), "张伟", "2026-02-25", "待定", None],
        [*contract("V2", "2026-03-25", notice="2026-02-20"), None, None, None, None],
        [*contract("V3", "2026-03-28", notice="2026-02-21"), None, "2026-03-02", None, None],
    ]
    table = result(make_input("contracts", {"保养合同": rows}, AS_OF), "续约提醒")
    assert [(r[0], r[8]) for r in rows_of(table)] == [("V1", "2026-02-25 张伟 待定"), ("V2", "未拜访"),
                                                     ("V3", "2026-03-02")]


def test_renewal_notice_days_setting_and_links() -> None:
    from automation.jobs import to_result_sheet
    from automation.settings import Settings

    inp = make_input("contracts", {"保养合同": CONTRACTS}, AS_OF, settings=Settings(notice_days=10))
    table = result(inp, "续约提醒")
    assert [row[0] for row in rows_of(table)] == ["K3", "K10", "K2"]
    assert rows_of(table)[2][6] == "已寄通知"  # 28 days before expiry is in time when notices go 10 days before
    sheet = to_result_sheet(table, as_of=AS_OF, source_sheet="保养合同")
    assert sheet.rows[0][0] == Link("K3", sheet="保养合同", cell="A4")
    full = to_result_sheet(result(make_input("contracts", {"保养合同": CONTRACTS}, AS_OF), "续约提醒"), as_of=AS_OF,
                           source_sheet="保养合同")
    # The written sheet puts action first: letters to send (soonest expiry first), then expired contracts (most
    # recently expired first), then notices sent.
    assert [(row[0].text, row[6]) for row in full.rows] == [
        ("K1", "需寄通知"), ("K7", "需寄通知"), ("K3", "已过期未续约"), ("K10", "已寄通知"), ("K2", "已寄通知（晚于期满前 30 天）")]
    assert full.rows[0][7] == Link("通知书/K1_甲公司.docx", file="通知书/K1_甲公司.docx")  # a file, not a cell


def test_renewal_decisions_count_what_was_decided_in_the_year_and_the_window_ahead() -> None:
    """续约率's counts (renewed, decided), worked out by hand for as-of 2026-11-27 and a 30-day window ahead:
    HT-1 renewed (续约结果), HT-2 refused, HT-3 renewed by 合同状态, HT-4 decided only at the visit (续约),
    HT-5 still 洽谈中 (undecided), HT-6 expired 400 days ago (outside the year), HT-7 expires in 40 days (outside
    the window ahead), HT-8 the visit said 不续约 but the final 续约结果 says 已续约 (the result decides)."""
    import pandas as pd

    from automation.jobs.contracts import renewal_decisions

    header = ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同状态", "续约结果", "拜访结果"]
    rows = [
        ["HT-1", "KH00001", "甲", "CNC", d("2025-12-01"), d("2026-11-30"), "有效", "已续约", None],
        ["HT-2", "KH00002", "乙", "CNC", d("2025-06-01"), d("2026-05-31"), "到期", "不续约", None],
        ["HT-3", "KH00003", "丙", "CNC", d("2025-10-01"), d("2026-09-30"), "已续约", None, None],
        ["HT-4", "KH00004", "丁", "CNC", d("2025-12-10"), d("2026-12-09"), "有效", None, "续约"],
        ["HT-5", "KH00005", "戊", "CNC", d("2025-12-05"), d("2026-12-04"), "有效", "洽谈中", None],
        ["HT-6", "KH00006", "己", "CNC", d("2024-10-23"), d("2025-10-23"), "到期", "已续约", None],
        ["HT-7", "KH00007", "庚", "CNC", d("2026-01-06"), d("2027-01-06"), "有效", "已续约", None],
        ["HT-8", "KH00008", "辛", "CNC", d("2025-08-01"), d("2026-07-31"), "已续约", "已续约", "不续约"],
    ]
    inp = make_input("contracts", {"保养合同": [header, *rows]}, dt.datetime(2026, 11, 27, 16, 0))
    renewed, decided = renewal_decisions(inp.table("保养合同"), pd.Timestamp("2026-11-27"), 30)
    assert (renewed, decided) == (4, 5)  # HT-1, HT-3, HT-4, HT-8 renewed; HT-2 refused
