"""Issue 15's remaining duties, each on a small register written right here: the equipment file and warranty
(保养合同/客户设备, 售后 第六条/第七条), the opinion survey (叫修登记簿/客户意见调查, 第二条), the daily report chain
(技术员工作日报表, 第十四–十六条) and the 市场主管's approval (客户开发 第三条(1)). Every expected problem is listed
with its cell; anything else reported fails the test. Expected job rows are worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from conftest import AS_OF, CUSTOMER_HEADER, CUSTOMER_ROWS, STAFF_HEADER, STAFF_ROWS, write_workbook

from automation.pipeline import validate_paths

D, T = dt.date, dt.datetime

CONTRACT_HEADER = ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态"]
CONTRACTS = [
    CONTRACT_HEADER,
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效"],
    ["HT-002", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2026, 1, 1), D(2026, 12, 31), 800, "有效"],
]
EQUIPMENT_HEADER = ["出厂编号", "客户代码", "客户名称", "商品型号", "销售日期", "保修截止日期", "保养合同编号"]
EQUIPMENT = [
    EQUIPMENT_HEADER,
    ["SN001", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2024, 3, 1), D(2025, 3, 1), "HT-001"],  # 2 clean
    ["SN002", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 10), D(2026, 11, 20), None],  # 3 warranty to 11-20
    ["SN003", None, "某厂", "HX-160", D(2026, 6, 1), D(2027, 6, 1), None],  # 4 a walk-in's machine, under warranty
    ["SN004", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2026, 5, 1), D(2026, 4, 1), None],  # 5 EQP001
    ["SN005", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2023, 5, 1), D(2024, 5, 1), "HT-404"],  # 6 EQP002
    ["SN006", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2023, 5, 1), D(2024, 5, 1), "HT-001"],  # 7 EQP003
    ["SN007", "KH00001", "宁波甬江机械有限公司", "HX-250", D(2023, 5, 1), D(2024, 5, 1), "HT-001"],  # 8 EQP004
    ["SN008", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2025, 12, 20), D(2026, 12, 20), None],  # 9 ends in 23 days
]


def problems_of(path, sheet=None):
    [report] = validate_paths([path], as_of=AS_OF)
    assert report.error_zh is None, report.error_zh
    return sorted((p.cell or "", p.code) for p in report.problems if sheet is None or p.sheet == sheet)


def result(path, name):
    [report] = validate_paths([path], as_of=AS_OF, write=False)
    return next(r.frame for r in report.results if r.name == name)


def test_the_equipment_file_is_checked_against_the_contracts(root):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS, "客户设备": EQUIPMENT})
    assert problems_of(path) == sorted([("F5", "EQP001"), ("G6", "EQP002"), ("G7", "EQP003"), ("G8", "EQP004")])
    [report] = validate_paths([path], as_of=AS_OF, write=False)
    messages = {p.code: p.message_zh for p in report.problems}
    assert messages["EQP001"] == "保修截止日期 2026-04-01 早于销售日期 2026-05-01"
    assert messages["EQP003"] == "合同「HT-001」属于客户 KH00001，不是本设备的客户"


def test_warranty_ending_without_a_contract_is_listed(root):
    """保修到期: machines without a contract whose warranty ends within 30 days either side of 2026-11-27: SN002
    (ended 11-20: −7 days) and SN008 (12-20: 23 days). SN003 ends 2027-06-01, SN001 has a contract; SN004 (2026-04-01)
    is more than 30 days ago."""
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS, "客户设备": EQUIPMENT})
    frame = result(path, "保修到期")
    assert frame["出厂编号"].tolist() == ["SN002", "SN008"]
    assert frame["剩余天数"].tolist() == [-7, 23]
    assert frame["状态"].tolist() == ["保修已过", "保修将到期"]


CALL_HEADER = ["登记号", "来电时间", "客户代码", "客户名称", "地址", "电话", "商品型号", "出厂编号", "区域", "服务类别",
               "合同编号", "派工技术员", "派工时间", "到达时间", "处理方式", "完成时间", "客户签字", "服务费(元)"]


def call(number, when, code, name, serial, category, contract=None, done=None):
    model = "HX-160" if code == "KH00002" or name == "某厂" else "CNC-650"
    arrived = when + dt.timedelta(hours=2) if done else None
    return [number, when, code, name, "江北区长兴路 8 号", "0574-87654321", model, serial, "市区", category, contract,
            "王强" if done else None, when + dt.timedelta(hours=1) if done else None, arrived,
            "现场修复" if done else None, done, "是" if done else None, None]


def test_calls_name_a_machine_of_the_equipment_file(root):
    """The warranty's last day is free all day (SN002 to 11-20: a call at 16:00 that day is C); a day later it is
    not (CAL022 at 服务类别). An unknown serial, another customer's machine, a B call on a machine under no contract,
    and a C call without a serial each have their code."""
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS, "客户设备": EQUIPMENT[:4]})
    rows = [
        CALL_HEADER,
        call("J01", T(2026, 11, 20, 16, 0), "KH00001", "宁波甬江机械有限公司", "SN002", "C"),  # 2 last warranty day
        call("J02", T(2026, 11, 21, 9, 0), "KH00001", "宁波甬江机械有限公司", "SN002", "C"),  # 3 CAL022
        call("J03", T(2026, 11, 23, 9, 0), "KH00001", "宁波甬江机械有限公司", "SN999", "C"),  # 4 CAL023
        call("J04", T(2026, 11, 23, 9, 0), "KH00002", "慈溪恒通精工有限公司", "SN001", "A"),  # 5 CAL024
        call("J05", T(2026, 11, 23, 9, 0), "KH00001", "宁波甬江机械有限公司", "SN002", "B", "HT-001"),  # 6 CAL025
        call("J06", T(2026, 11, 23, 9, 0), None, "某厂", None, "C"),  # 7 CAL026
        call("J07", T(2026, 11, 23, 9, 0), None, "某厂", "SN003", "C"),  # 8 a walk-in's machine: fine
        call("J08", T(2026, 11, 23, 9, 0), "KH00001", "宁波甬江机械有限公司", "SN001", "B", "HT-001"),  # 9 fine
    ]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": rows})
    assert problems_of(path) == sorted([("J3", "CAL022"), ("H4", "CAL023"), ("H5", "CAL024"), ("H6", "CAL025"),
                                        ("H7", "CAL026")])  # fmt: skip
    [report] = validate_paths([path], as_of=AS_OF, write=False)
    messages = {p.code: p.message_zh for p in report.problems}
    assert messages["CAL022"] == "C 类（免费服务）须在保修期内：出厂编号 SN002 的保修期至 2026-11-20"
    [(note, _)] = report.notes  # of this workbook's own optional sheet only
    assert "客户意见调查" in note


def test_without_the_equipment_file_calls_are_not_judged_on_machines_and_a_note_says_so(root):
    """An older contracts register without 客户设备: no problem anywhere, one note on the contracts workbook."""
    contracts = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    rows = [CALL_HEADER, call("J02", T(2026, 11, 21, 9, 0), "KH00001", "宁波甬江机械有限公司", "SN404", "C")]
    calls = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": rows})
    assert problems_of(calls) == []
    [report] = validate_paths([contracts], as_of=AS_OF)
    assert report.problems == [] and report.errors == report.warnings == 0
    [(zh, en)] = report.notes
    assert "客户设备" in zh and "template" in en
    assert result(contracts, "保修到期").empty


def done_call(number, day, category="A"):
    when = T(day.year, day.month, day.day, 9, 0)
    row = call(number, when, None, "某厂", None, category, done=when + dt.timedelta(hours=4))
    row[-1] = 200 if category == "A" else None
    return row


SURVEY_HEADER = ["登记号", "调查日期", "调查方式", "调查人", "满意度", "客户意见", "处理措施"]


def test_the_opinion_survey(root):
    calls = [CALL_HEADER, done_call("J01", D(2026, 11, 2)), done_call("J02", D(2026, 11, 3)),
             done_call("J03", D(2026, 11, 4)), done_call("J04", D(2026, 10, 20)), call(
                 "J05", T(2026, 11, 25, 9, 0), None, "某厂", None, "A")]  # fmt: skip
    survey = [
        SURVEY_HEADER,
        ["J01", D(2026, 11, 5), "电话", "李娜", "非常满意", None, None],  # 2
        ["J02", D(2026, 11, 6), "电话", "李娜", "不满意", "等太久", None],  # 3 SUR004
        ["J03", D(2026, 11, 3), "电话", "李娜", "满意", None, None],  # 4 SUR003: before the completion on 11-04
        ["J04", D(2026, 10, 25), "走访", "李娜", "一般", None, None],  # 5 October
        ["J05", D(2026, 11, 26), "电话", "李娜", "满意", None, None],  # 6 SUR002: not completed
        ["J99", D(2026, 11, 26), "电话", "李娜", "满意", None, None],  # 7 SUR001
        ["J01", D(2026, 11, 7), "电话", "老王", "很好", None, None],  # 8 COL002, STF001, TYP012
    ]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls, "客户意见调查": survey})
    assert problems_of(path, "客户意见调查") == sorted([("G3", "SUR004"), ("B4", "SUR003"), ("A6", "SUR002"), ("A7", "SUR001"),
                                        ("A8", "COL002"), ("D8", "STF001"), ("E8", "TYP012")])  # fmt: skip
    [report] = validate_paths([path], as_of=AS_OF, write=False)
    assert next(p for p in report.problems if p.code == "SUR004").message_zh == "客户不满意，请填写处理措施"
    # 满意度 by month of 调查日期, readable ratings only: November has J01 非常满意, J02 不满意, J03 满意, J05 满意,
    # J99 满意 (5 surveyed, 4 satisfied: 80 %, one complaint without action); October J04 一般. Completed calls by
    # completion month: November J01–J03, October J04.
    frame = result(path, "满意度")
    assert frame["月份"].tolist() == ["2026-11", "2026-10"]
    assert frame["完成叫修"].tolist() == [3, 1]
    assert frame["已调查"].tolist() == [5, 1]
    assert frame["满意率"].tolist() == [0.8, 0.0]
    assert frame["不满意待处理"].tolist() == [1, 0]


WORK_HEADER = ["日期", "技术员", "登记号", "服务类别", "工作内容", "开始时间", "结束时间", "工时", "主任核阅"]
REVIEW_HEADER = ["日期", "服务主任", "经理核阅", "核阅日期", "转送服务部日期"]


def test_the_daily_report_chain(root):
    """As of Friday 2026-11-27 16:00 with report_days = 30 the window is 10-28 … 11-26, but nothing is on record
    before 11-23 (Monday), so it runs 11-23 … 11-26.

    * 王强 arrived at J01 on 11-23 and reported; arrived at J02 on 11-24 and completed it 11-25, reporting neither
      day: two 技术员日报缺失. 刘洋 left in June and appears nowhere.
    * Supervisor reports: 11-23 and 11-25 on file, 11-24 and 11-26 missing (both working days).
    * 主任未核阅: reports up to the working day two before today (11-25) not marked: 王强's 11-23 row is marked,
      his 11-25 row of J03 is not; the 11-26 row is still within the grace.
    * 经理未核阅: 11-25's supervisor report is not signed.
    Rules: 11-23's report was sent to 服务部 before the manager signed it (WRK008); 11-25's was sent unsigned (WRK009).
    """
    calls = [
        CALL_HEADER,
        call("J01", T(2026, 11, 23, 8, 30), None, "某厂", None, "A", done=T(2026, 11, 23, 14, 0)),
        call("J02", T(2026, 11, 24, 8, 30), None, "某厂", None, "A", done=T(2026, 11, 25, 14, 0)),
        call("J03", T(2026, 11, 25, 8, 30), None, "某厂", None, "A", done=None),
    ]
    calls[2][13] = T(2026, 11, 24, 10, 0)  # J02 arrived the day before its completion
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls})
    work = [
        WORK_HEADER,
        [D(2026, 11, 23), "王强", "J01", "A", "现场维修", None, None, 3, "是"],
        [D(2026, 11, 25), "王强", "J03", "A", "备件", None, None, 1, None],
        [D(2026, 11, 26), "王强", None, "B", "保养", None, None, 2, None],
    ]
    review = [
        REVIEW_HEADER,
        [D(2026, 11, 23), "李娜", "是", D(2026, 11, 24), D(2026, 11, 23)],  # WRK008
        [D(2026, 11, 25), "李娜", "否", None, D(2026, 11, 26)],  # WRK009
    ]
    path = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", {"工作日报": work, "日报核阅": review})
    assert problems_of(path) == sorted([("E2", "WRK008"), ("E3", "WRK009")])
    frame = result(path, "日报缺失")
    got = [(d.date(), kind, who) for d, kind, who in zip(frame["日期"], frame["类型"], frame["人员"], strict=True)]
    assert got == [
        (D(2026, 11, 26), "服务主任日报缺失", ""),
        (D(2026, 11, 25), "主任未核阅", "王强"),
        (D(2026, 11, 25), "经理未核阅", "李娜"),
        (D(2026, 11, 24), "技术员日报缺失", "王强"),
        (D(2026, 11, 24), "服务主任日报缺失", ""),
    ]
    missing_on_24 = frame[(frame["类型"] == "技术员日报缺失")]["依据"].tolist()
    assert missing_on_24 == ["叫修 J02 到达"]


def test_an_application_is_approved_by_the_market_manager(root):
    """NEW011 once the staff list names a 市场主管; before that, nobody is asked to be one."""
    header = ["申请编号", "客户名称", "一般调查日期", "资料齐全", "实地调查日期", "设备技术", "按时供货", "财务信用", "合作态度",
              "保密", "成本水平", "认定申请日期", "认定审批人", "审批日期", "审批结论"]
    checks = ["合格"] * 6
    rows = [header,
            ["XK001", "新厂甲", D(2026, 9, 1), "是", D(2026, 9, 10), *checks, D(2026, 9, 15), "周敏", D(2026, 9, 16), "同意"],
            ["XK002", "新厂乙", D(2026, 9, 1), "是", D(2026, 9, 10), *checks, D(2026, 9, 15), "张伟", D(2026, 9, 16), "同意"]]
    archive = {"客户": [CUSTOMER_HEADER, *CUSTOMER_ROWS], "新客户开发": rows}
    path = write_workbook(root / "总部" / "客户档案.xlsx", archive)
    assert ("M3", "NEW011") not in problems_of(path)  # no 市场主管 in the staff list yet: 周敏 is unknown (STF001)
    staff = [*STAFF_ROWS, ["E009", "周敏", "营业部", "市场主管", "总部", "在职", None]]
    write_workbook(root / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *staff], "节假日调整": [["日期", "类型", "说明"]]})
    found = problems_of(path)
    assert ("M3", "NEW011") in found and not any(cell == "M2" for cell, _ in found)


# --- found in review: the edges of the new checks ----------------------------------------------------------------


def test_a_walk_in_customers_machine_is_nobody_elses_and_its_warranty_still_counts(root):
    """A machine without 客户代码 (a walk-in customer's) is not 「another customer's」 for a call that names a
    customer: no CAL024, and the warranty is still judged (CAL022)."""
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS, "客户设备": [EQUIPMENT_HEADER, [
        "SN100", None, "某厂", "HX-160", D(2024, 1, 1), D(2025, 1, 1), None]]})  # fmt: skip
    rows = [CALL_HEADER, call("J01", T(2026, 11, 23, 9, 0), "KH00002", "慈溪恒通精工有限公司", "SN100", "C")]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": rows})
    assert problems_of(path) == [("J2", "CAL022")]


def test_a_second_worklog_file_counts_as_filed_and_the_chain_is_listed_once(root):
    """Last year's file beside this year's (技术员工作日报表-旧.xlsx): its reports are filed, and only the file with
    the latest entries lists 日报缺失."""
    calls = [CALL_HEADER,
             call("J01", T(2026, 11, 23, 8, 30), None, "某厂", None, "A", done=T(2026, 11, 23, 14, 0)),
             call("J02", T(2026, 11, 25, 8, 30), None, "某厂", None, "A", done=T(2026, 11, 25, 14, 0))]  # fmt: skip
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls})
    old = write_workbook(root / "服务中心" / "技术员工作日报表-旧.xlsx", {
        "工作日报": [WORK_HEADER, [D(2026, 11, 23), "王强", "J01", "A", "维修", None, None, 3, "是"]],
        "日报核阅": [REVIEW_HEADER, [D(2026, 11, 23), "李娜", "是", D(2026, 11, 23), None],
                     [D(2026, 11, 24), "李娜", "是", D(2026, 11, 24), None]]})  # fmt: skip
    new = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", {
        "工作日报": [WORK_HEADER, [D(2026, 11, 25), "王强", "J02", "A", "维修", None, None, 3, "是"]],
        "日报核阅": [REVIEW_HEADER, [D(2026, 11, 25), "李娜", "是", D(2026, 11, 25), None],
                     [D(2026, 11, 26), "李娜", "是", D(2026, 11, 26), None]]})  # fmt: skip
    assert result(new, "日报缺失").empty  # 11-23 … 11-26 all on file, between the two files
    assert result(old, "日报缺失").empty  # and the older file lists nothing of its own
    [report] = validate_paths([old], as_of=AS_OF, write=False)
    assert next(r for r in report.results if r.name == "日报缺失").empty_message.startswith("本分公司的日报缺失列在")


def test_what_could_not_be_read_or_is_not_kept_is_not_judged_missing(root):
    """Without 日报核阅 (XLS001) no supervisor report is missing; an unreadable 经理核阅 is not 「unsigned」; an
    unreadable 日报核阅 日期 might be the missing day, so none is listed until it is corrected."""
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [CALL_HEADER]})
    work = [WORK_HEADER, [D(2026, 11, 23), "王强", None, "B", "保养", None, None, 2, "是"]]
    alone = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", {"工作日报": work})
    assert ("", "XLS001") in problems_of(alone)
    assert result(alone, "日报缺失").empty
    review = [REVIEW_HEADER, [D(2026, 11, 23), "李娜", "已签", None, None], ["11月24日", "李娜", "是", None, None]]
    path = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", {"工作日报": work, "日报核阅": review})
    assert result(path, "日报缺失").empty


def test_the_months_satisfaction_is_the_sheets_and_pending_needs_the_column(root):
    """The summary's 满意率 is the 满意度 sheet's row of the month (a survey dated after today counts in neither);
    without a 处理措施 column nothing is pending."""
    from automation.jobs.survey import satisfaction_counts

    calls = [CALL_HEADER, done_call("J01", D(2026, 11, 2)), done_call("J02", D(2026, 11, 3))]
    survey = [["登记号", "调查日期", "满意度"], ["J01", D(2026, 11, 5), "不满意"], ["J02", D(2026, 11, 29), "满意"]]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls, "客户意见调查": survey})
    frame = result(path, "满意度")
    assert (frame["已调查"].iloc[0], frame["满意率"].iloc[0], frame["不满意待处理"].iloc[0]) == (1, 0.0, 0)
    [report] = validate_paths([path], as_of=AS_OF, write=False)
    from automation.deployment import Deployment
    from automation.settings import load_settings

    table = Deployment(root, load_settings(root), AS_OF).load(path).tables["客户意见调查"]
    assert satisfaction_counts(table, pd.Timestamp(AS_OF.date())) == (0, 1)
    assert any(p.code == "COL004" for p in report.problems)  # the survey dated after today


def test_a_report_is_unreviewed_only_two_working_days_later(root):
    """主任未核阅 waits two working days. As of Friday 11-27 with the first record on Wednesday 11-25 the window has
    two working days (Wed, Thu): Wednesday's unmarked report is listed, Thursday's is not yet. From Thursday on (one
    working day in the window) nothing is listed yet."""
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [CALL_HEADER]})
    review = [REVIEW_HEADER, *([D(2026, 11, day), "李娜", "是", D(2026, 11, day), None] for day in (25, 26))]

    def chain(first_day: int) -> list[tuple[dt.date, str]]:
        work = [WORK_HEADER, *([D(2026, 11, day), "王强", None, "B", "保养", None, None, 2, None]
                               for day in range(first_day, 27))]  # fmt: skip
        path = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx",
                              {"工作日报": work, "日报核阅": [r for r in review if r[0] == "日期" or r[0].day >= first_day]})
        [report] = validate_paths([path], as_of=AS_OF, write=False)
        result = next(r for r in report.results if r.name == "日报缺失")
        assert result.problems == []
        return [(d.date(), kind) for d, kind in zip(result.frame["日期"], result.frame["类型"], strict=True)]

    assert chain(25) == [(D(2026, 11, 25), "主任未核阅")]
    assert chain(26) == []
