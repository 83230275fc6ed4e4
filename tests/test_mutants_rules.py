"""Rule boundaries written for mutants that survived the rest of the suite (docs/testing.md).

Each register is written right here with the value at a rule's boundary, one unit inside and one outside, and the
expected problems are worked out by hand from the rule catalogue (docs/rules.md), never read from the product.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import AS_OF, write_workbook

from automation.pipeline import validate_paths

D, T = dt.date, dt.datetime

CONTRACT_HEADER = ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态",
                   "到期通知日期", "续约结果", "新合同编号"]
CALL_HEADER = ["登记号", "来电时间", "客户代码", "客户名称", "地址", "电话", "商品型号", "区域", "服务类别", "合同编号",
               "派工技术员", "派工时间", "到达时间", "处理方式", "完成时间", "客户签字", "服务费(元)", "发票号", "开票日期"]


def codes_by_row(path: Path) -> dict[int, set[str]]:
    [report] = validate_paths([path], as_of=AS_OF)
    assert report.error_zh is None, report.error_zh
    rows: dict[int, set[str]] = {}
    for p in report.problems:
        rows.setdefault(p.row or 0, set()).add(p.code)
    return rows


def call(number: str, called: dt.datetime, category: str, contract: str | None, fee: float | None = None) -> list:
    customer = "KH00001" if contract else None
    return [number, called, customer, "宁波甬江机械有限公司", "江北区长兴路 8 号", "0574-87654321", "CNC-650", "市区",
            category, contract, None, None, None, None, None, None, fee, None, None]


def test_cal005_contract_period_includes_its_first_and_last_day(root: Path) -> None:
    contracts = [CONTRACT_HEADER,
                 ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 3, 1), D(2026, 10, 31), 1200, "有效",
                  None, None, None]]
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": contracts})
    calls = [CALL_HEADER,
             call("J001", T(2026, 2, 28, 23, 59), "B", "HT-001"),  # 2: a minute before the first day: outside
             call("J002", T(2026, 3, 1, 0, 0), "B", "HT-001"),  # 3: the first minute of the first day
             call("J003", T(2026, 10, 31, 23, 59), "B", "HT-001"),  # 4: the last minute of the last day
             call("J004", T(2026, 11, 1, 0, 0), "B", "HT-001")]  # 5: the day after: outside
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls})
    rows = codes_by_row(path)
    assert "CAL005" in rows.get(2, set())
    assert "CAL005" not in rows.get(3, set())
    assert "CAL005" not in rows.get(4, set())
    assert "CAL005" in rows.get(5, set())


def test_cal012_any_fee_above_zero_on_a_free_call(root: Path) -> None:
    calls = [CALL_HEADER,
             call("J001", T(2026, 11, 2, 9, 0), "C", None, 0),  # 2: no fee: fine
             call("J002", T(2026, 11, 2, 10, 0), "C", None, 0.01),  # 3: one fen: charged
             call("J003", T(2026, 11, 2, 11, 0), "C", None, 1)]  # 4
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls})
    rows = codes_by_row(path)
    assert "CAL012" not in rows.get(2, set())
    assert "CAL012" in rows.get(3, set())
    assert "CAL012" in rows.get(4, set())


DEMAND_HEADER = ["信息编号", "登记日期", "提供人", "提供人部门", "信息来源", "需求内容", "订货信息", "可信度", "使用价值",
                 "采用情况", "奖励金额(元)", "已提交信息报告"]


def demand(number: str, value: str, adopted: str, reward: float | None) -> list:
    return [number, D(2026, 10, 1), "王强", "服务部", "客户", "采购计划", "否", "中", value, adopted, reward, "是"]


def test_dem001_dem002_reward_boundaries(tmp_path: Path) -> None:
    rows = [DEMAND_HEADER,
            demand("XX1", "中", "待定", 0.5),  # 2: half a yuan paid for undeserving information: DEM001 (and DEM002)
            demand("XX2", "中", "待定", 0),  # 3: nothing paid: fine
            demand("XX3", "中", "已采用", 50),  # 4: the minimum (settings default 50): fine
            demand("XX4", "中", "已采用", 49.5),  # 5: below it
            demand("XX5", "高", "未采用", 500),  # 6: the maximum (default 500), deserved by its high value: fine
            demand("XX6", "高", "未采用", 500.5)]  # 7: above it
    path = write_workbook(tmp_path / "总部" / "需求信息.xlsx", {"需求信息": rows})
    [report] = validate_paths([path], as_of=AS_OF)
    found = {(p.row, p.code): p for p in report.problems if p.code.startswith("DEM")}
    assert sorted(found) == [(2, "DEM001"), (2, "DEM002"), (5, "DEM002"), (7, "DEM002")]
    assert "不在 50～500 元之间" in found[(5, "DEM002")].message_zh
    assert "outside 50..500 yuan" in found[(7, "DEM002")].message_en


WORK_HEADER = ["日期", "技术员", "登记号", "服务类别", "工作内容", "开始时间", "结束时间", "工时"]
REVIEW_HEADER = ["日期", "服务主任", "经理核阅", "核阅日期"]


def work(day: int, start: str | None, end: str | None, hours: float | None, who: str = "王强") -> list:
    return [D(2026, 11, day), who, None, "C", "巡检", start, end, hours]


def worklog_problems(root: Path, rows: list[list], review: list[list] | None = None) -> dict[tuple[int, str], str]:
    sheets = {"工作日报": [WORK_HEADER, *rows], "日报核阅": [REVIEW_HEADER, *(review or [])]}
    path = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", sheets)
    [report] = validate_paths([path], as_of=AS_OF)
    assert report.error_zh is None, report.error_zh
    return {(p.row or 0, p.code): p.message_zh for p in report.problems if p.code.startswith(("WRK", "STF"))}


def test_wrk001_wrk002_times_and_hours(root: Path) -> None:
    found = worklog_problems(root, [
        work(2, "09:00", "09:00", 0),  # 2: ends when it starts: WRK001
        work(3, "08:00", "16:00", 8),  # 3: eight hours exactly: fine
        work(4, "09:00", "10:30", 1.6),  # 4: 0.1 h off: within the tolerance
        work(5, "09:00", "10:30", 1.7),  # 5: 0.2 h off: WRK002, span 1.5
        work(9, "09:00", "11:00", 3),  # 6: span 2
        work(10, "08:00", "18:00", 9),  # 7: span 10
        work(11, "09:00", "09:30", 1),  # 8: span 0.5
    ])
    assert sorted(found) == [(2, "WRK001"), (5, "WRK002"), (6, "WRK002"), (7, "WRK002"), (8, "WRK002")]
    assert "（1.5 小时）" in found[(5, "WRK002")]
    assert "（2 小时）" in found[(6, "WRK002")]
    assert "（10 小时）" in found[(7, "WRK002")]
    assert "（0.5 小时）" in found[(8, "WRK002")]


def test_wrk003_wrk004_daily_totals_at_12_and_24_hours(root: Path) -> None:
    found = worklog_problems(root, [
        work(2, None, None, 8), work(2, None, None, 4),  # 2-3: 12 h, the limit itself: fine
        work(3, None, None, 8), work(3, None, None, 5),  # 4-5: 13 h: WRK004 on the day's last row
        work(3, None, None, None),  # 6: a row without hours is not the day's last
        work(4, None, None, 20), work(4, None, None, 4),  # 7-8: 24 h: still WRK004, not WRK003
    ])
    assert sorted(found) == [(5, "WRK004"), (8, "WRK004")]
    assert found[(5, "WRK004")] == "王强 在 2026-11-03 的工时合计 13 小时，超过 12 小时"
    assert found[(8, "WRK004")] == "王强 在 2026-11-04 的工时合计 24 小时，超过 12 小时"
    found = worklog_problems(root, [work(5, None, None, 20), work(5, None, None, 4.5)])  # 24.5 h
    assert found == {(3, "WRK003"): "王强 在 2026-11-05 的工时合计 24.5 小时，超过 24 小时"}


def test_wrk006_a_review_on_the_report_day_and_a_supervisor_who_had_left(root: Path) -> None:
    found = worklog_problems(root, [work(2, "08:00", "09:00", 1)], [
        [D(2026, 11, 2), "李娜", "是", D(2026, 11, 2)],  # 2: reviewed the same day: fine
        [D(2026, 11, 3), "李娜", "是", D(2026, 11, 2)],  # 3: the day before: WRK006
        [D(2026, 11, 4), "刘洋", "是", D(2026, 11, 4)],  # 4: left on 2026-06-30: STF002 (and STF003)
    ])
    assert (2, "WRK006") not in found
    assert (3, "WRK006") in found
    assert (4, "STF002") in found


WORKFLOW_HEADER = ["申请编号", "客户名称", "一般调查日期", "资料齐全", "实地调查日期", "设备技术", "按时供货", "财务信用",
                   "合作态度", "保密", "成本水平", "认定申请日期", "供应合同日期", "质保合同日期", "客户代码",
                   "已通知相关部门", "资料已存档"]


def application(number: str, name: str, *, general: dt.date, site: dt.date | None, request: dt.date | None,
                supply: dt.date | None = None, quality: dt.date | None = None, code: str | None = None,
                checks: tuple[str, ...] = ("合格",) * 6, documents: str = "是", notified: str | None = "是",
                filed: str | None = "是") -> list:
    return [number, name, general, documents, site, *checks, request, supply, quality, code, notified, filed]


def archive_problems(tmp_path: Path, workflow: list[list], results: list[list] | None = None) -> dict:
    from conftest import CUSTOMER_HEADER, CUSTOMER_ROWS

    sheets = {"客户": [CUSTOMER_HEADER, *CUSTOMER_ROWS], "联系人": [["客户代码", "姓名", "职务", "电话", "邮箱"]],
              "往来记录": [["日期", "客户代码", "方式", "本公司人员", "摘要", "重大事项", "已报信息部"]],
              "年度业绩": [["客户代码", "年度", "交易额(万元)", "财务状况"], *(results or [])],
              "新客户开发": [WORKFLOW_HEADER, *workflow]}
    path = write_workbook(tmp_path / "总部" / "客户档案.xlsx", sheets)
    [report] = validate_paths([path], as_of=AS_OF)
    assert report.error_zh is None, report.error_zh
    return {(p.sheet, p.row or 0, p.code): p for p in report.problems
            if p.code.startswith(("NEW", "CUS005"))}


def test_cus005_this_year_is_not_after_this_year(tmp_path: Path) -> None:
    results = [["KH00001", AS_OF.year, 120, "良好"], ["KH00002", AS_OF.year + 1, 10, "一般"]]
    assert sorted(archive_problems(tmp_path, [], results)) == [("年度业绩", 3, "CUS005")]


def test_new_customer_workflow_boundaries(tmp_path: Path) -> None:
    day = D(2026, 10, 1)
    workflow = [
        # 2: survey, request and both contracts all on one day, code given, name spelt with extra spaces: clean
        application("XK1", " 宁波甬江机械有限公司 ", general=day, site=day, request=day, supply=D(2026, 11, 20),
                    quality=D(2026, 11, 20), code="KH00001", notified=None, filed=None),  # filed 7 days ago: in time
        # 3: supply contract the day before the request; quality contract missing: NEW004, NEW005, NEW006 (and no
        # NEW007 for the unknown code: that is judged once both contracts are signed)
        application("XK2", "甲厂", general=day, site=day, request=D(2026, 10, 2), supply=day, code="KH00009"),
        # 4: only the first site check failed, no site survey date, documents incomplete: NEW002 lists all three
        application("XK3", "乙厂", general=day, site=None, request=day, checks=("不合格",) + ("合格",) * 5,
                    documents="否"),
        # 5: contracts 8 days old, neither notified nor filed: NEW008 at 已通知相关部门
        application("XK4", "宁波甬江机械有限公司", general=day, site=day, request=day, supply=D(2026, 11, 19),
                    quality=D(2026, 11, 19), code="KH00001", notified=None, filed=None),
        # 6: old contracts but no customer code yet (NEW006 does not apply without a code): no NEW008
        application("XK5", "丙厂", general=D(2025, 12, 1), site=D(2025, 12, 1), request=D(2025, 12, 1),
                    supply=D(2026, 1, 5), quality=D(2026, 1, 5), notified=None, filed=None),
    ]
    found = archive_problems(tmp_path, workflow)
    codes = sorted((row, code) for _sheet, row, code in found)
    assert codes == [(3, "NEW004"), (3, "NEW005"), (3, "NEW006"), (4, "NEW002"), (5, "NEW008")]
    new002 = found[("新客户开发", 4, "NEW002")]
    assert new002.message_zh == "认定申请前须完成：实地调查、资料齐全、六项实地调查均合格"
    assert new002.message_en == ("approval may only be requested after: the site survey, complete documents, "
                                 "all six site checks passed")
    new008 = found[("新客户开发", 5, "NEW008")]
    assert new008.message_zh == "建档已超过 7 天，仍未通知相关部门、资料存档"
    assert new008.message_en == "more than 7 days after filing and still not notified the departments, filed the documents"
    assert new008.column == "已通知相关部门"


ITEM_HEADER = ["收据号", "登记号", "客户名称", "商品型号", "带回日期", "约定完成日期", "修理卡号", "维修技术员", "维修工时",
               "修妥日期", "主任验收", "归还日期", "客户签章", "收据作废", "服务类别", "发票号", "开票日期"]


def item(receipt: str, taken: dt.date, promised: dt.date, repaired: dt.date | None, returned: dt.date | None,
         category: str = "A", invoice: str | None = "F1", invoiced: dt.date | None = None, signed: str | None = "是",
         accepted: str | None = "是", cancelled: str | None = "是") -> list:
    return [receipt, None, "甬江", "CNC", taken, promised, "K1", "王强", 2 if repaired else None, repaired, accepted,
            returned, signed, cancelled, category, invoice, invoiced or returned]


def test_item_dates_on_the_same_day_and_the_return_sign_offs(root: Path) -> None:
    day = D(2026, 11, 2)
    rows = [ITEM_HEADER,
            item("S1", day, day, day, day),  # 2: taken, due, repaired and returned on one day: clean
            item("S2", day, D(2026, 11, 9), None, D(2026, 11, 6), signed=None),  # 3: ITM005 lists 修妥 and 客户签章
            item("S3", day, D(2026, 11, 9), D(2026, 11, 5), D(2026, 11, 6), category="C", invoice=None),  # 4: free
            item("S4", day, D(2026, 11, 9), D(2026, 11, 5), None, invoice=None),  # 5: paid, not returned yet
            item("S5", day, D(2026, 11, 9), D(2026, 11, 5), D(2026, 11, 6), invoiced=D(2026, 11, 8))]  # 6: ITM007
    path = write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx", {"商品进出": rows})
    [report] = validate_paths([path], as_of=AS_OF)
    found = {(p.row, p.code): p for p in report.problems if p.code.startswith("ITM")}
    assert sorted(found) == [(3, "ITM005"), (6, "ITM007")]
    assert found[(3, "ITM005")].message_zh == "归还前须完成：修妥、客户签章"
    assert found[(3, "ITM005")].message_en == "before returning the item: repair, customer's seal"
    assert found[(6, "ITM007")].message_zh == "开票日期 2026-11-08 与归还日期 2026-11-06 不同"


def contract(number: str, start: dt.date, end: dt.date, notice: dt.date | None = None,
             name: str = "宁波甬江机械有限公司") -> list:
    return [number, "KH00001", name, "CNC-650", start, end, 1200, "有效", notice, None, None]


def test_contract_dates_on_their_boundaries(root: Path) -> None:
    rows = [CONTRACT_HEADER,
            contract("HT-001", D(2026, 3, 1), D(2026, 3, 1)),  # 2: ends the day it starts: CON001
            contract("HT-002", D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31)),  # 3: notice on expiry: CON007 only
            contract("HT-003", D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 1)),  # 4: exactly 30 days before: fine
            contract("HT-004", D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 2)),  # 5: 29 days before: CON007
            # 6-7: shorter than 30 days: a notice on its first day is in time, one a day later is late (CON007)
            contract("HT-005", D(2026, 3, 1), D(2026, 3, 20), D(2026, 3, 1)),
            contract("HT-006", D(2026, 3, 1), D(2026, 3, 20), D(2026, 3, 2)),
            contract("HT-007", D(2026, 1, 1), D(2026, 12, 31), name=" 宁波甬江机械有限公司 "),  # 8: spaces only: fine
            contract("HT-008", D(2026, 1, 1), D(2026, 12, 31), name="宁波甬江机械")]  # 9: another name: CON002
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": rows})
    [report] = validate_paths([path], as_of=AS_OF)
    found = {(p.row, p.code): p for p in report.problems if p.code.startswith("CON")}
    assert sorted(found) == [(2, "CON001"), (3, "CON007"), (5, "CON007"), (7, "CON007"), (9, "CON002")]
    assert found[(9, "CON002")].message_zh == "客户名称「宁波甬江机械」与客户档案中的「宁波甬江机械有限公司」不一致"
    assert found[(7, "CON007")].message_zh == "到期通知日期 2026-03-02 晚于期满前 30 天（2026-03-01）"


def test_mst003_lists_the_units_that_exist(root: Path) -> None:
    staff = [["工号", "姓名", "部门", "岗位", "所属单位", "在职状态", "离职日期"],
             ["E001", "王强", "服务部", "技术员", "服务中心", "在职", None],
             ["E009", "吴敏", "服务部", "技术员", "北京分公司", "在职", None]]
    path = write_workbook(root / "总部" / "基础资料.xlsx", {"员工": staff, "节假日调整": [["日期", "类型", "说明"]]})
    [report] = validate_paths([path], as_of=AS_OF)
    [unknown] = [p for p in report.problems if p.code == "MST003"]
    assert unknown.row == 3
    assert unknown.message_zh.startswith("所属单位「北京分公司」既不是总部也不是已有分公司（")
    listed = unknown.message_zh.split("（", 1)[1].rstrip("）").split("、")
    assert sorted(listed) == sorted(["总部", "服务中心"])


def test_an_empty_call_in_register_gives_one_ref004_for_the_call_numbers(root: Path) -> None:
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [CALL_HEADER]})
    rows = [WORK_HEADER, [D(2026, 11, 2), "王强", "J001", "A", "维修", "09:00", "10:00", 1],
            [D(2026, 11, 3), "王强", "J002", "A", "维修", "09:00", "10:00", 1]]
    path = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", {"工作日报": rows, "日报核阅": [REVIEW_HEADER]})
    [report] = validate_paths([path], as_of=AS_OF)
    [empty] = [p for p in report.problems if p.code in ("REF002", "REF003", "REF004")]
    assert (empty.code, empty.sheet, empty.column, empty.row) == ("REF004", "工作日报", "登记号", 1)
    assert empty.message_zh == "本分公司叫修登记簿为空，无法核对登记号"
    assert empty.message_en == "this branch's call-in register is empty; 登记号 cannot be checked"


def test_call_ins_against_an_empty_contracts_register_and_a_repeated_contract_number(root: Path) -> None:
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": [CONTRACT_HEADER]})
    calls = [CALL_HEADER, call("J001", T(2026, 11, 2, 9, 0), "B", "HT-001")]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls})
    [report] = validate_paths([path], as_of=AS_OF)
    [empty] = [p for p in report.problems if p.code.startswith("REF00") and p.column == "合同编号"]
    assert empty.code == "REF004"
    assert empty.message_zh == "本分公司保养合同为空，无法核对合同编号"

    contracts = [CONTRACT_HEADER, contract("HT-001", D(2026, 1, 1), D(2026, 12, 31)),
                 contract("HT-001", D(2025, 1, 1), D(2025, 12, 31))]  # the number again: the first row counts
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": contracts})
    [report] = validate_paths([path], as_of=AS_OF)
    codes = {p.code for p in report.problems}
    assert "SYS001" not in codes and "CAL005" not in codes  # 2026-11-02 is inside the first row's period


def full_call(number: str, fee: float | None = None, **fields: object) -> list:
    row = dict.fromkeys(CALL_HEADER)
    row.update({"登记号": number, "客户名称": "宁波甬江机械有限公司", "地址": "江北区长兴路 8 号", "电话": "0574-87654321",
                "商品型号": "CNC-650", "区域": "市区", "服务类别": "A", "来电时间": T(2026, 11, 2, 9, 0)})
    row.update(fields)
    row["服务费(元)"] = fee
    return [row[h] for h in CALL_HEADER]


def test_call_in_boundaries_and_what_their_messages_name(root: Path) -> None:
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": [
        CONTRACT_HEADER, contract("HT-001", D(2026, 1, 1), D(2026, 12, 31))]})
    at = T(2026, 11, 2, 9, 0)
    calls = [CALL_HEADER,
             full_call("J001", 服务类别="B", 客户代码="KH00002", 合同编号="HT-001"),  # 2: CAL004
             full_call("J002", 服务类别="B", 客户代码="KH00001", 合同编号="HT-001", 来电时间=T(2025, 12, 31, 10, 0)),
             # 4: dispatched, arrived and completed in the very minute of the call, a fee of half a yuan: clean
             full_call("J003", 派工技术员="王强", 派工时间=at, 到达时间=at, 处理方式="现场修复", 完成时间=at,
                       客户签字="是", fee=0.5, 发票号="F1", 开票日期=D(2026, 11, 2)),
             full_call("J004", 派工技术员="王强", 派工时间=at, 到达时间=at, 处理方式="现场修复", 完成时间=at,
                       客户签字="是", fee=0, 发票号="F2", 开票日期=D(2026, 11, 2)),  # 5: CAL011
             full_call("J005", 到达时间=at),  # 6: CAL008 naming the arrival
             full_call("J006", 派工时间=at),  # 7: CAL008 naming the dispatch
             full_call("J007", 派工技术员="王强", 派工时间=at, 到达时间=at, 处理方式="现场修复",
                       完成时间=T(2026, 11, 2, 15, 0), 客户签字="是", fee=300, 发票号="F3",
                       开票日期=D(2026, 11, 3)),  # 8: CAL014
             full_call("J099", 派工技术员="王强", 派工时间=at, 到达时间=at, 处理方式="带回修理", 客户签字="是")]  # 9: CAL015
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": calls})
    [report] = validate_paths([path], as_of=AS_OF)
    found = {(p.row, p.code): p for p in report.problems if p.code.startswith("CAL")}
    assert sorted(found) == [(2, "CAL004"), (3, "CAL005"), (5, "CAL011"), (6, "CAL008"), (7, "CAL008"),
                             (8, "CAL014"), (9, "CAL015")]
    assert found[(2, "CAL004")].message_zh == "合同「HT-001」属于客户 KH00001，与本次叫修客户不符"
    assert found[(3, "CAL005")].message_zh == "来电时间不在合同「HT-001」的有效期（2026-01-01～2026-12-31）内"
    assert found[(6, "CAL008")].message_zh == "已填写到达时间，须填写派工技术员"
    assert found[(6, "CAL008")].message_en == "the arrival time is filled in: the dispatched technician is required"
    assert found[(7, "CAL008")].message_zh == "已填写派工时间，须填写派工技术员"
    assert found[(7, "CAL008")].message_en == "the dispatch time is filled in: the dispatched technician is required"
    assert found[(8, "CAL014")].message_zh == "开票日期 2026-11-03 晚于完成当日 2026-11-02"
    assert found[(9, "CAL015")].message_zh == "带回修理须在客户商品进出登记簿中登记（找不到登记号「J099」）"


def test_customer_codes_without_an_archive_and_with_an_empty_one(tmp_path: Path) -> None:
    from conftest import CUSTOMER_HEADER, STAFF_HEADER, STAFF_ROWS

    write_workbook(tmp_path / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *STAFF_ROWS]})
    rows = [CONTRACT_HEADER, contract("HT-001", D(2026, 1, 1), D(2026, 12, 31))]
    path = write_workbook(tmp_path / "服务中心" / "保养合同.xlsx", {"保养合同": rows})

    def reference_problem() -> object:
        [report] = validate_paths([path], as_of=AS_OF)
        [found] = [p for p in report.problems if p.code in ("REF001", "REF003", "REF004")]
        assert (found.sheet, found.column, found.row) == ("保养合同", "客户代码", 1)
        assert "保养合同.xlsx" in found.workbook
        return found

    missing = reference_problem()
    assert (missing.code, missing.message_zh) == ("REF003", "找不到客户档案，无法核对客户代码")
    assert missing.message_en == "the customer archive (客户档案) not found; 客户代码 cannot be checked"
    write_workbook(tmp_path / "总部" / "客户档案.xlsx", {"客户": [CUSTOMER_HEADER]})
    empty = reference_problem()
    assert (empty.code, empty.message_zh) == ("REF004", "客户档案/客户为空，无法核对客户代码")
    assert empty.message_en == "the customer archive (客户档案/客户) is empty; 客户代码 cannot be checked"
