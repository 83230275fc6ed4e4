"""Rules of the branch registers (call-ins, contracts, items, daily reports), each on a small register written
right here. Every expected problem is listed with its cell; anything else reported fails the test."""

from __future__ import annotations

import datetime as dt

from conftest import AS_OF, write_workbook

from automation.pipeline import validate_paths

D, T = dt.date, dt.datetime

CONTRACTS = [
    ["合同编号", "客户代码", "客户名称", "商品型号", "开始日期", "到期日期", "合同金额(元)", "合同状态", "到期通知日期", "续约结果", "新合同编号"],
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效", None, None, None],   # 2
    ["HT-002", "KH00002", "慈溪恒通精工", "HX-160", D(2026, 1, 1), D(2025, 12, 31), 800, "有效", None, None, None],           # 3 CON001, CON002
    ["HT-003", "KH00099", "无名公司", "HX-160", D(2025, 1, 1), D(2025, 12, 31), 800, "已续约", D(2026, 1, 5), "已续约", None],  # 4 REF001 CON003 CON004
    ["HT-004", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2024, 1, 1), D(2024, 12, 31), 0, "已续约", None, "已续约", "HT-999"],  # 5 COL003 CON005
    ["HT-005", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2026, 1, 1), D(2026, 12, 31), 500, "有效", None, "不续约", "HT-001"],  # 6 CON006
    ["HT-001", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效", None, None, None],   # 7 COL002
]


def problems_of(path):
    [report] = validate_paths([path], as_of=AS_OF)
    assert report.error_zh is None, report.error_zh
    return sorted((p.cell or "", p.code) for p in report.problems)


def test_contract_rules(root):
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    assert problems_of(path) == sorted([
        ("F3", "CON001"), ("C3", "CON002"), ("B4", "REF001"), ("I4", "CON003"), ("K4", "CON004"),
        ("G5", "COL003"), ("K5", "CON005"), ("K6", "CON006"), ("A7", "COL002"),
    ])


CALLS = [
    ["登记号", "来电时间", "客户代码", "客户名称", "地址", "电话", "商品型号", "区域", "服务类别", "合同编号", "派工技术员",
     "派工时间", "到达时间", "处理方式", "完成时间", "客户签字", "服务费(元)", "发票号", "开票日期"],
    # 2: a clean paid on-site repair
    ["J001", T(2026, 11, 2, 9, 0), None, "宁波甬江机械有限公司", "江北区长兴路 8 号", "0574-87654321", "CNC-650", "市区", "A类",
     None, "王强", T(2026, 11, 2, 9, 30), T(2026, 11, 2, 11, 0), "现场修复", T(2026, 11, 2, 15, 0), "是", 300, "FP001", D(2026, 11, 2)],
    # 3: contract service without customer code or contract
    ["J002", T(2026, 11, 3, 9, 0), None, "慈溪恒通精工有限公司", "慈溪", "13805740001", "HX-160", "郊区", "B 合同服务",
     None, None, None, None, None, None, None, None, None, None],
    # 4: a contract of another customer; dispatched before the call; technician who left
    ["J003", T(2026, 11, 4, 9, 0), "KH00002", "慈溪恒通精工有限公司", "慈溪", "13805740001", "HX-160", "郊区", "B",
     "HT-001", "刘洋", T(2026, 11, 4, 8, 0), None, None, None, None, None, None, None],
    # 5: contract unknown; a salesperson dispatched; arrival before dispatch
    ["J004", T(2026, 11, 5, 9, 0), "KH00001", "宁波甬江机械有限公司", "江北", "13805740001", "CNC", "市区", "B",
     "HT-404", "张伟", T(2026, 11, 5, 10, 0), T(2026, 11, 5, 9, 30), None, None, None, None, None, None],
    # 6: on-site completed without signature, fee or invoice; completed before arrival; invoiced late
    ["J005", T(2026, 11, 6, 9, 0), None, "某厂", "海曙", "13805740001", "CNC", "市区", "有费服务",
     None, "王强", T(2026, 11, 6, 9, 10), T(2026, 11, 6, 10, 0), "现场修复", T(2026, 11, 6, 9, 50), "否", None, None, D(2026, 11, 9)],
    # 7: free service charged; arrival without a technician; workshop repair not in the items register, unsigned
    ["J006", T(2026, 11, 9, 9, 0), None, "某厂", "海曙", "13805740001", "CNC", "市区", "C",
     None, None, None, T(2026, 11, 9, 12, 0), "带回修理", None, None, 50, None, None],
    # 8: unreadable and impossible values; call in the future
    ["J007", "昨天", None, "某厂", "海曙", "12345", "CNC", "城里", "D", None, "无此人", None, None, None, None, None, None, None, None],
    ["J008", T(2026, 11, 28, 9, 0), None, "某厂", "海曙", "13805740001", "CNC", "市区", "A", None, None, None, None, None, None, None, None, None, None],
    # 10: a contract call outside the contract's period; date without time
    ["J009", T(2026, 11, 10, 9, 0), "KH00002", "慈溪恒通精工有限公司", "慈溪", "13805740001", "HX-160", "郊区", "B",
     "HT-002", None, D(2026, 11, 10), None, None, None, None, None, None, None],
]


def test_callin_rules(root):
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS[:3]})
    write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx", {"商品进出": [["收据号", "登记号"], ["S1", "J001"]]})
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": CALLS})
    assert problems_of(path) == sorted([
        ("C3", "CAL001"), ("J3", "CAL002"),
        ("J4", "CAL004"), ("L4", "CAL006"), ("K4", "STF002"),
        ("J5", "CAL003"), ("K5", "STF003"), ("M5", "CAL007"),
        ("P6", "CAL010"), ("Q6", "CAL011"), ("R6", "CAL013"), ("O6", "CAL009"), ("S6", "CAL014"),
        ("Q7", "CAL012"), ("K7", "CAL008"), ("N7", "CAL015"), ("P7", "CAL017"),
        ("B8", "TYP002"), ("F8", "TYP009" if False else "TYP008"), ("H8", "TYP012"), ("I8", "TYP012"), ("K8", "STF001"),
        ("B9", "COL004"),
        ("J10", "CAL005"), ("L10", "TYP003"),
    ])


ITEMS = [
    ["收据号", "登记号", "客户名称", "商品型号", "带回日期", "约定完成日期", "修理卡号", "维修技术员", "维修工时", "修妥日期",
     "主任验收", "归还日期", "客户签章", "收据作废", "服务类别", "发票号", "开票日期"],
    ["S1", "J001", "甬江", "CNC", D(2026, 11, 2), D(2026, 11, 9), "K1", "王强", 3, D(2026, 11, 5), "是", D(2026, 11, 6), "是", "是", "A", "F1", D(2026, 11, 6)],  # 2 clean
    ["S2", "J404", "甬江", "CNC", D(2026, 11, 2), D(2026, 11, 1), "K2", "王强", None, D(2026, 11, 1), None, None, None, None, "C", None, None],  # 3 REF002 ITM001 ITM002 ITM003
    ["S3", "J001", "甬江", "CNC", D(2026, 11, 2), D(2026, 11, 9), "K3", "王强", 2, D(2026, 11, 5), "否", D(2026, 11, 4), "是", None, "A", None, D(2026, 11, 8)],  # 4 ITM004 ITM005 ITM006 ITM007
    ["S4", "J001", "甬江", "CNC", D(2026, 8, 2), D(2026, 8, 9), "K1", "刘洋", None, None, None, None, None, None, "B", None, None],  # 5 COL002 STF002
]


def test_item_rules(root):
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": CALLS[:2]})
    path = write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx", {"商品进出": ITEMS})
    assert problems_of(path) == sorted([
        ("B3", "REF002"), ("F3", "ITM001"), ("J3", "ITM002"), ("I3", "ITM003"),
        ("L4", "ITM004"), ("L4", "ITM005"), ("P4", "ITM006"), ("Q4", "ITM007"),
        ("G5", "COL002"), ("H5", "STF002"),
    ])


def test_item_return_message_lists_what_is_missing(root):
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": CALLS[:2]})
    path = write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx", {"商品进出": ITEMS[:1] + ITEMS[3:4]})
    [report] = validate_paths([path], as_of=AS_OF)
    message = next(p for p in report.problems if p.code == "ITM005")
    assert message.message_zh == "归还前须完成：主任验收、收据作废"
    assert message.message_en == "before returning the item: supervisor's acceptance, cancelling the receipt"
    assert message.article == "《售后服务管理制度》第十一条"


WORK = [
    ["日期", "技术员", "登记号", "服务类别", "工作内容", "开始时间", "结束时间", "工时"],
    [D(2026, 11, 2), "王强", "J001", "A", "现场维修", "09:30", "11:00", 1.5],  # 2 clean
    [D(2026, 11, 3), "王强", "J404", "A", "维修", "14:00", "13:00", 1],  # 3 REF002 WRK001
    [D(2026, 11, 4), "王强", None, "B", "保养", "08:00", "10:00", 3],  # 4 WRK002
    [D(2026, 11, 5), "王强", None, "C", "巡检", None, None, 8],  # 5
    [D(2026, 11, 5), "王强", None, "C", "巡检", None, None, 5],  # 6 WRK004 (13 h > 12)
    [D(2026, 11, 6), "王强", None, "C", "巡检", None, None, 20],  # 7
    [D(2026, 11, 6), "王强", None, "C", "巡检", None, None, 5],  # 8 WRK003 (25 h)
    [D(2026, 11, 6), "刘洋", None, "C", "巡检", None, None, 0],  # 9 COL003 STF002
]
REVIEW = [
    ["日期", "服务主任", "经理核阅", "核阅日期"],
    [D(2026, 11, 2), "李娜", "是", D(2026, 11, 3)],  # 2 clean
    [D(2026, 11, 3), "李娜", "是", None],  # 3 WRK005
    [D(2026, 11, 4), "李娜", "是", D(2026, 11, 1)],  # 4 WRK006
    [D(2026, 11, 5), "李娜", "否", D(2026, 11, 6)],  # 5 WRK007
    [D(2026, 11, 5), "李娜", "否", None],  # 6 COL002
]


def test_worklog_rules(root):
    write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": CALLS[:2]})
    path = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", {"工作日报": WORK, "日报核阅": REVIEW})
    assert problems_of(path) == sorted([
        ("C3", "REF002"), ("G3", "WRK001"), ("H4", "WRK002"), ("H6", "WRK004"), ("H8", "WRK003"),
        ("H9", "COL003"), ("B9", "STF002"),
        ("D3", "WRK005"), ("D4", "WRK006"), ("D5", "WRK007"), ("A6", "COL002"),
    ])


def test_a_crashing_rule_is_one_problem_and_the_others_still_run(root, monkeypatch):
    from automation.validators import rules

    def broken(ctx):
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(rules.RULES, "contracts", (broken, *rules.RULES["contracts"]))
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACTS})
    found = problems_of(path)
    assert ("", "SYS001") in [(c, code) for c, code in found if code == "SYS001"]
    assert ("F3", "CON001") in found


def test_without_master_data_references_are_warned_once(tmp_path):
    path = write_workbook(tmp_path / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": CALLS[:2]})
    [report] = validate_paths([path], as_of=AS_OF)
    codes = [(p.code, p.column, p.severity) for p in report.problems]
    assert ("REF003", "派工技术员", "warning") in codes
    assert report.errors == 0 or all(p.code != "STF001" for p in report.problems)


def test_one_person_named_by_name_and_by_staff_number_is_one_day(root):
    """王强 is E001: 16 h under his name and 10 h under his number are one 26-hour day."""
    work = [WORK[0], [D(2026, 11, 2), "王强", None, "C", "巡检", None, None, 16], [D(2026, 11, 2), "E001", None, "C", "巡检", None, None, 10]]
    path = write_workbook(root / "服务中心" / "技术员工作日报表.xlsx", {"工作日报": work, "日报核阅": REVIEW[:2]})
    assert problems_of(path) == [("H3", "WRK003")]


def test_a_renewal_may_sit_in_another_contracts_file_of_the_folder(root):
    header = CONTRACTS[0]
    old = ["HT-2025-1", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2025, 1, 1), D(2025, 12, 31), 1200, "已续约", D(2025, 12, 1), "已续约", "HT-2026-1"]
    new = ["HT-2026-1", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效", None, None, None]
    path = write_workbook(root / "服务中心" / "保养合同-2025.xlsx", {"保养合同": [header, old]})
    write_workbook(root / "服务中心" / "保养合同-2026.xlsx", {"保养合同": [header, new]})
    assert problems_of(path) == []


def test_completed_without_arrival_is_judged_by_its_completion(root):
    write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx", {"商品进出": [["收据号", "登记号"]]})
    call = ["J001", T(2026, 11, 2, 9, 0), None, "某厂", "海曙", "13805740001", "CNC", "市区", "C",
            None, "王强", T(2026, 11, 2, 9, 30), None, "现场修复", T(2026, 11, 2, 11, 0), "是", None, None, None]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [CALLS[0], call]})
    [report] = validate_paths([path], as_of=AS_OF)
    assert [(p.code, p.cell, p.severity) for p in report.problems] == [("CAL016", "M2", "warning")]
    deadlines = next(r for r in report.results if r.name == "派工时限").frame
    assert deadlines["状态"].tolist() == ["按时"] and deadlines["到达时间"].isna().all()


def test_unique_numbers_hold_across_the_files_of_one_register(root):
    """叫修登记簿-2025 and 叫修登记簿-2026 in one folder: a 登记号 used in both is reported in the file checked."""
    write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx", {"商品进出": [["收据号", "登记号"]]})
    write_workbook(root / "服务中心" / "叫修登记簿-2025.xlsx", {"叫修登记": CALLS[:2]})
    later = [*CALLS[1][:1], T(2026, 11, 3, 9, 0), *CALLS[1][2:]]
    path = write_workbook(root / "服务中心" / "叫修登记簿-2026.xlsx", {"叫修登记": [CALLS[0], later]})
    [report] = validate_paths([path], as_of=AS_OF)
    [dup] = [p for p in report.problems if p.code == "COL006"]
    assert (dup.cell, dup.message_zh) == ("A2", "登记号「J001」与 服务中心/叫修登记簿-2025.xlsx 中的记录重复")


# --- issue 10: 收费方式 (第九条's two ways), the take-back signature (第十条), the contract's state and models
# (第六条(2)), and a renewal notice later than a month before expiry (第十九条)

PAY_HEADER = [*CALLS[0], "收费方式"]


def paid_call(number, method, invoice=None, billed=None, *, how="现场修复"):
    """A completed paid (A) call of 2026-11-02, fee 300, with the given 收费方式, 发票号 and 开票日期."""
    return [number, T(2026, 11, 2, 9, 0), None, "某厂", "海曙", "13805740001", "CNC", "市区", "A", None, "王强",
            T(2026, 11, 2, 9, 30), T(2026, 11, 2, 11, 0), how, T(2026, 11, 2, 15, 0), "是", 300, invoice, billed, method]


def test_cash_on_the_spot_may_mail_the_invoice_later(root):
    """第九条: a small fee collected on the spot, the invoice mailed afterwards (「凭以补寄发票」) — no 发票号 yet and a
    later 开票日期 are fine; invoiced to collect later (开票另收), or blank as before, keeps CAL013 and CAL014."""
    write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx", {"商品进出": [["收据号", "登记号"], ["S1", "P08"]]})
    rows = [
        PAY_HEADER,
        paid_call("P02", "现金"),  # 2: cash, invoice not mailed yet
        paid_call("P03", "当场收费", "FP3", D(2026, 11, 5)),  # 3: cash, invoice mailed three days later
        paid_call("P04", "挂账"),  # 4: 开票另收 without invoice: CAL013
        paid_call("P05", "开票另收", "FP5", D(2026, 11, 5)),  # 5: CAL014
        paid_call("P06", None),  # 6: blank, as today: CAL013
        paid_call("P07", "支票"),  # 7: TYP012; no CAL013 on a row whose 收费方式 could not be read
        paid_call("P08", "当场收费", "FP8", D(2026, 11, 5), how="带回修理"),  # 8: the workshop path: CAL014
    ]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": rows})
    assert problems_of(path) == sorted([("R4", "CAL013"), ("S5", "CAL014"), ("R6", "CAL013"), ("T7", "TYP012"),
                                        ("S8", "CAL014")])


def test_a_call_taken_back_needs_the_customers_signature(root):
    """第十条: the customer signs the service voucher when the item is taken back."""
    write_workbook(root / "服务中心" / "客户商品进出登记簿.xlsx",
                   {"商品进出": [["收据号", "登记号"], ["S1", "W1"], ["S2", "W2"], ["S3", "W3"]]})
    taken = ["W1", T(2026, 11, 2, 9, 0), None, "某厂", "海曙", "13805740001", "CNC", "市区", "C", None, "王强",
             T(2026, 11, 2, 9, 30), T(2026, 11, 2, 11, 0), "带回修理", None, "是", None, None, None]
    unsigned = ["W2", *taken[1:15], None, *taken[16:]]
    refused = ["W3", *taken[1:15], "否", *taken[16:]]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": [CALLS[0], taken, unsigned, refused]})
    assert problems_of(path) == [("P3", "CAL017"), ("P4", "CAL017")]
    [report] = validate_paths([path], as_of=AS_OF)
    found = report.problems[0]
    assert (found.severity, found.article) == ("error", "《售后服务管理制度》第十条")


CONTRACT_MODELS = [
    CONTRACTS[0],
    ["HT-201", "KH00001", "宁波甬江机械有限公司", "注塑机 HX-160、CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效", None, None, None],
    ["HT-202", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2026, 1, 1), D(2026, 12, 31), 800, "已终止", None, None, None],
    ["HT-203", "KH00002", "慈溪恒通精工有限公司", "HX-160", D(2025, 6, 1), D(2026, 5, 31), 800, "已终止", D(2026, 4, 30), "不续约", None],
    ["HT-204", "KH00001", "宁波甬江机械有限公司", "全部设备", D(2026, 1, 1), D(2026, 12, 31), 900, "有效", None, None, None],
]


CALL_DAY = D(2026, 11, 10)


def contract_call(number, customer, contract, model, day=CALL_DAY, category="B"):
    return [number, T(day.year, day.month, day.day, 9, 0), customer, "某厂", "海曙", "13805740001", model, "市区", category,
            contract, None, None, None, None, None, None, None, None, None]


def test_contract_service_needs_a_contract_in_force_that_covers_the_model(root):
    """第六条(2): a B call on a terminated contract, or for a model the contract does not list, is not contract service.
    Models are compared after NFKC, case and spaces, ignoring hyphens and the Chinese kind word (注塑机); a contract
    whose 商品型号 names no model (全部设备) covers every model; one that ran its term and was not renewed (不续约)
    covered the calls of its period."""
    write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": CONTRACT_MODELS})
    rows = [
        CALLS[0],
        contract_call("J201", "KH00001", "HT-201", "HX160注塑机"),  # 2 clean
        contract_call("J202", "KH00001", "HT-201", "ｃｎｃ 650"),  # 3 clean
        contract_call("J203", "KH00001", "HT-201", "XJ-9"),  # 4 CAL019
        contract_call("J204", "KH00002", "HT-202", "HX-160"),  # 5 CAL018
        contract_call("J205", "KH00002", "HT-203", "HX-160", D(2026, 5, 11)),  # 6 clean: in its period
        contract_call("J206", "KH00002", "HT-203", "HX-160"),  # 7 CAL005 only
        contract_call("J207", "KH00001", "HT-204", "XJ-9"),  # 8 clean: the contract lists no model
        contract_call("J208", "KH00001", "HT-201", "XJ-9", category="A"),  # 9 clean: a paid call
    ]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": rows})
    assert problems_of(path) == sorted([("G4", "CAL019"), ("J5", "CAL018"), ("J7", "CAL005")])
    [report] = validate_paths([path], as_of=AS_OF)
    messages = {p.code: (p.message_zh, p.article) for p in report.problems}
    assert messages["CAL019"] == ("商品型号「XJ-9」不在合同「HT-201」所列型号（注塑机 HX-160、CNC-650）中",
                                  "《售后服务管理制度》第六条(2)")
    assert messages["CAL018"][1] == "《售后服务管理制度》第六条(2)"


def test_a_renewal_notice_later_than_a_month_before_expiry_is_a_warning(root):
    """第十九条: the expiry notice goes out one month (settings contracts.notice_days) before the contract ends."""
    rows = [
        CONTRACTS[0],
        ["HT-101", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效", D(2026, 12, 1), "洽谈中", None],  # 2 on the day
        ["HT-102", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效", D(2026, 12, 2), "洽谈中", None],  # 3 CON007
        ["HT-103", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2025, 1, 1), D(2025, 12, 31), 1200, "已续约", D(2026, 1, 5), "已续约", "HT-101"],  # 4 CON003 only
        ["HT-104", "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 11, 10), D(2026, 11, 30), 100, "有效", D(2026, 11, 10), None, None],  # 5 shorter than a month: its first day is in time
    ]
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": rows})
    assert problems_of(path) == [("I3", "CON007"), ("I4", "CON003")]
    [report] = validate_paths([path], as_of=AS_OF)
    late = next(p for p in report.problems if p.code == "CON007")
    assert (late.severity, late.article) == ("warning", "《售后服务管理制度》第十九条")
    assert late.message_zh == "到期通知日期 2026-12-02 晚于期满前 30 天（2026-12-01）"


# --- issue 15: receivables (第九条) and the renewal visit (第十九条), in optional columns

def test_a_collection_before_the_invoice_and_cash_not_handed_over(root):
    """第九条: invoiced to collect later, the fee is collected on or after the invoice day (CAL020 at 收款日期); cash
    collected on the spot goes to the 会计员, and a call finished more than 3 days ago without 交会计员日期 is
    warned (CAL021). Unreadable dates are left to their own problem. A register without these columns (the test
    above) gets neither."""
    header = [*PAY_HEADER, "收款日期", "交会计员日期"]
    rows = [
        header,
        [*paid_call("Q02", "开票另收", "FP2", D(2026, 11, 2)), D(2026, 11, 1), None],  # 2 CAL020
        [*paid_call("Q03", "开票另收", "FP3", D(2026, 11, 2)), D(2026, 11, 2), None],  # 3 collected on the invoice day
        [*paid_call("Q04", "当场收费"), D(2026, 11, 2), None],  # 4 CAL021: 25 days, not handed over
        [*paid_call("Q05", "当场收费"), D(2026, 11, 2), D(2026, 11, 3)],  # 5 handed over
        [*paid_call("Q06", "当场收费", "FP6", D(2026, 11, 5)), D(2026, 11, 2), "昨天"],  # 6 TYP001 only
        [*paid_call("Q07", "开票另收", "FP7", D(2026, 11, 2)), "不详", None],  # 7 TYP001 only
    ]
    path = write_workbook(root / "服务中心" / "叫修登记簿.xlsx", {"叫修登记": rows})
    assert problems_of(path) == sorted([("U2", "CAL020"), ("V4", "CAL021"), ("V6", "TYP001"), ("U7", "TYP001")])
    [report] = validate_paths([path], as_of=AS_OF)
    messages = {p.code: (p.message_zh, p.severity, p.article) for p in report.problems}
    assert messages["CAL020"] == ("收款日期 2026-11-01 早于开票日期 2026-11-02（开票另收须先开票后收费）", "error",
                                  "《售后服务管理制度》第九条")
    assert messages["CAL021"] == ("当场收费已完成 25 天，仍未填写交会计员日期", "warning", "《售后服务管理制度》第九条")


def test_a_renewal_visit_before_the_notice_and_a_refusal_without_reason(root):
    """第十九条「并派员前往争取续约」: the visit is on or after the expiry notice (CON008 at 拜访日期); 不续约 — the
    visit's answer or the contract's result — without 不续约原因 is warned (CON009); the visitor is staff (STF001)."""
    header = [*CONTRACTS[0], "续约拜访人", "拜访日期", "拜访结果", "不续约原因"]

    def visited(number, who, day, answer, reason=None, result="洽谈中"):
        return [number, "KH00001", "宁波甬江机械有限公司", "CNC-650", D(2026, 1, 1), D(2026, 12, 31), 1200, "有效",
                D(2026, 11, 20), result, None, who, day, answer, reason]

    rows = [
        header,
        visited("HT-201", "张伟", D(2026, 11, 19), "待定"),  # 2 CON008
        visited("HT-202", "张伟", D(2026, 11, 20), "不续约", "改由厂家保养"),  # 3 on the notice day, reason given
        visited("HT-203", "张伟", D(2026, 11, 22), "不续约"),  # 4 CON009
        visited("HT-204", None, None, None, result="不续约"),  # 5 CON009: the contract's result
        visited("HT-205", "张伟", D(2026, 11, 25), "再说"),  # 6 TYP012 only
        visited("HT-206", "赵六", D(2026, 11, 25), "续约"),  # 7 STF001
    ]
    path = write_workbook(root / "服务中心" / "保养合同.xlsx", {"保养合同": rows})
    assert problems_of(path) == sorted([("M2", "CON008"), ("O4", "CON009"), ("O5", "CON009"), ("N6", "TYP012"),
                                        ("L7", "STF001")])
    [report] = validate_paths([path], as_of=AS_OF)
    early = next(p for p in report.problems if p.code == "CON008")
    assert (early.message_zh, early.article) == ("拜访日期 2026-11-19 早于到期通知日期 2026-11-20", "《售后服务管理制度》第十九条")
