"""Rules of the head-office registers (master data, customer archive with the new-customer workflow, demand
information), each on a small register written right here."""

from __future__ import annotations

import datetime as dt

from conftest import AS_OF, CUSTOMER_HEADER, CUSTOMER_ROWS, STAFF_HEADER, STAFF_ROWS, write_workbook

from automation.pipeline import validate_paths

D = dt.date


def problems_of(path, as_of=AS_OF):
    [report] = validate_paths([path], as_of=as_of)
    assert report.error_zh is None, report.error_zh
    return sorted((p.cell or "", p.code) for p in report.problems)


def test_master_rules(tmp_path):
    (tmp_path / "服务中心").mkdir()
    staff = [
        STAFF_HEADER,
        *STAFF_ROWS,
        ["E007", "孙丽", "服务部", "技术员", "服务中心", "离职", None],  # 8 MST001
        ["E008", "周涛", "服务部", "技术员", "服务中心", "在职", D(2026, 1, 1)],  # 9 MST002
        ["E009", "吴敏", "服务部", "技术员", "北京分公司", "在职", None],  # 10 MST003
        ["E001", "王强", "服务部", "工程师", "服务中心", "在职", None],  # 11 COL002 ×2, TYP012
    ]
    overrides = [["日期", "类型", "说明"], [D(2027, 1, 1), "休息日", "元旦"], ["2027-01-01", "放假", None],  # 3 COL002 TYP012
                 [D(2027, 12, 31), "全年已录入", None]]  # 4 valid: 2027 declared complete, so no CLD001 either
    path = write_workbook(tmp_path / "总部" / "基础资料.xlsx", {"员工": staff, "节假日调整": overrides})
    assert problems_of(path) == sorted([
        ("G8", "MST001"), ("G9", "MST002"), ("E10", "MST003"),
        ("A11", "COL002"), ("B11", "COL002"), ("D11", "TYP012"), ("A3", "COL002"), ("B3", "TYP012"),
    ])


def test_customer_archive_rules(tmp_path):
    write_workbook(tmp_path / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *STAFF_ROWS]})
    customers = [
        CUSTOMER_HEADER,
        *CUSTOMER_ROWS,
        ["KH0003", "宁波 甬江机械有限公司", "终端用户", "91350100M000100Y44", "钱", "海曙", "31500", "0574-1",
         "是", "张伟", None, D(2026, 12, 1), "正常"],  # 4: CUS001, COL002 name, TYP011, TYP009, TYP008, CUS002, COL004
        ["KH00004", "宁波新材料有限公司", "供应商", "91350100M000100Y43", "钱", "海曙", "315000", "13805740001",
         "是", "张伟", "张伟", D(2026, 1, 1), "正常"],  # 5: CUS003
        ["KH00005", "宁波新材料二厂", "客户", None, "钱", "海曙", "315000", "13805740001",
         "否", "赵磊", None, D(2026, 1, 1), "正常"],  # 6: TYP012 (赵磊 left: a reminder, not an error)
    ]
    contacts = [["客户代码", "姓名", "职务", "电话", "邮箱"], ["KH00001", "周建国", "经理", "13805740001", "zhou@yj.com"],
                ["KH09999", "某人", None, "13805740001", "bad@"]]  # 3: REF001, TYP010
    records = [["日期", "客户代码", "方式", "本公司人员", "摘要", "重大事项", "已报信息部"],
               [D(2026, 5, 1), "KH00001", "走访", "张伟", "回访", "是", "是"],
               [D(2026, 5, 2), "KH00001", "电话", "赵磊", "回访", "是", "否"]]  # 3: STF002, CUS004
    results = [["客户代码", "年度", "交易额(万元)", "财务状况"], ["KH00001", 2025, 120, "良好"],
               ["KH00001", 2025, 130, "良好"], ["KH00002", 2027, 10, "一般"]]  # 3 COL005; 4 CUS005
    workflow = [
        ["申请编号", "客户名称", "一般调查日期", "资料齐全", "实地调查日期", "设备技术", "按时供货", "财务信用", "合作态度", "保密",
         "成本水平", "认定申请日期", "供应合同日期", "质保合同日期", "客户代码", "已通知相关部门", "资料已存档"],
        ["XK1", "宁波甬江机械有限公司", D(2025, 1, 1), "是", D(2025, 1, 10), *["合格"] * 6, D(2025, 1, 20), D(2025, 2, 1),
         D(2025, 2, 1), "KH00001", "是", "是"],  # 2 clean
        ["XK2", "甲厂", D(2025, 1, 10), "否", D(2025, 1, 1), *["合格"] * 5, "不合格", D(2024, 12, 1), None, None, None, None, None],
        # 3: NEW001, NEW002 (资料齐全, six checks), NEW003
        ["XK3", "乙厂", D(2025, 1, 1), "是", D(2025, 1, 10), *["合格"] * 6, D(2025, 1, 20), D(2025, 1, 15), D(2025, 1, 16),
         "KH00002", None, None],  # 4: NEW004, NEW005, NEW007 (name differs), NEW008
        ["XK4", "丙厂", D(2025, 1, 1), "是", D(2025, 1, 10), *["合格"] * 6, D(2025, 1, 20), None, None, "KH00003", None, None],
        # 5: NEW006
        ["XK5", "慈溪恒通精工有限公司", D(2025, 1, 1), "是", D(2025, 1, 10), *["合格"] * 6, D(2025, 1, 20), D(2025, 2, 1),
         D(2025, 2, 1), "KH00002", "是", None],  # 6: NEW008 at 资料已存档
    ]
    path = write_workbook(tmp_path / "总部" / "客户档案.xlsx", {"客户": customers, "联系人": contacts, "往来记录": records,
                                                            "年度业绩": results, "新客户开发": workflow})
    assert problems_of(path) == sorted([
        ("A4", "CUS001"), ("B4", "COL002"), ("D4", "TYP011"), ("G4", "TYP009"), ("H4", "TYP008"), ("K4", "CUS002"),
        ("L4", "COL004"), ("K5", "CUS003"), ("C6", "TYP012"),
        ("A3", "REF001"), ("E3", "TYP010"),
        ("D3", "STF002"), ("G3", "CUS004"),
        ("B3", "COL005"), ("B4", "CUS005"),
        ("E3", "NEW001"), ("L3", "NEW002"), ("L3", "NEW003"),
        ("M4", "NEW004"), ("N4", "NEW005"), ("O4", "NEW007"), ("P4", "NEW008"),
        ("O5", "NEW006"), ("Q6", "NEW008"),
    ])


def test_new_customer_approval_rules(tmp_path):
    """开发 第三条(1): a code needs the approval 同意 (NEW009 at 客户代码), the decision cannot precede the
    application (NEW010 at 审批日期), the approver is staff in service on that day (STF002)."""
    write_workbook(tmp_path / "总部" / "基础资料.xlsx", {"员工": [STAFF_HEADER, *STAFF_ROWS]})
    head = ["申请编号", "客户名称", "一般调查日期", "资料齐全", "实地调查日期", "设备技术", "按时供货", "财务信用", "合作态度",
            "保密", "成本水平", "认定申请日期", "认定审批人", "审批日期", "审批结论", "供应合同日期", "质保合同日期", "客户代码",
            "已通知相关部门", "资料已存档"]  # 认定审批人 M, 审批日期 N, 审批结论 O, 客户代码 R
    surveyed = [D(2025, 1, 1), "是", D(2025, 1, 10), *["合格"] * 6, D(2025, 1, 20)]
    signed = [D(2025, 2, 1), D(2025, 2, 1)]
    workflow = [
        head,
        ["XK1", "宁波甬江机械有限公司", *surveyed, "张伟", D(2025, 1, 20), "同意", *signed, "KH00001", "是", "是"],  # 2 clean
        ["XK2", "慈溪恒通精工有限公司", *surveyed, "张伟", D(2025, 1, 25), "不同意", *signed, "KH00002", "是", "是"],  # 3 NEW009
        ["XK3", "慈溪恒通精工有限公司", *surveyed, None, None, None, *signed, "KH00002", "是", "是"],  # 4 NEW009
        ["XK4", "丁厂", *surveyed, "张伟", D(2025, 1, 19), "同意", None, None, None, None, None],  # 5 NEW010
        ["XK5", "戊厂", *surveyed, "赵磊", D(2026, 4, 1), "批准", None, None, None, None, None],  # 6 STF002 (left 3-31)
        ["XK6", "宁波甬江机械有限公司", *surveyed, "张伟", D(2025, 1, 20), "待定", *signed, "KH00001", "是", "是"],
        # 7: TYP012 only: an unreadable decision is not judged again by NEW009
    ]
    records = [["日期", "客户代码", "方式", "本公司人员", "摘要"]]
    path = write_workbook(tmp_path / "总部" / "客户档案.xlsx", {"客户": [CUSTOMER_HEADER, *CUSTOMER_ROWS],
                                                            "往来记录": records, "新客户开发": workflow})
    found = [(cell, code) for cell, code in problems_of(path) if code not in ("XLS001", "XLS002")]
    assert found == sorted([("R3", "NEW009"), ("R4", "NEW009"), ("N5", "NEW010"), ("M6", "STF002"), ("O7", "TYP012")])


def test_demand_rules(tmp_path):
    header = ["信息编号", "登记日期", "提供人", "提供人部门", "信息来源", "需求内容", "订货信息", "可信度", "使用价值", "采用情况",
              "奖励金额(元)", "已提交信息报告"]
    rows = [
        header,
        ["XX1", D(2026, 10, 1), "王强", "服务部", "客户", "需要 CNC-650 两台", "是", "高", "高", "已采用", 200, "是"],  # 2 clean
        ["XX2", D(2026, 10, 2), "王强", "服务部", "报纸", "采购计划", "否", "中", "中", "待定", 100, None],  # 3 TYP012 DEM001
        ["XX3", D(2026, 10, 3), "王强", "服务部", "客户", "采购计划", "否", "中", "中", "已采用", 800, None],  # 4 DEM002
        ["XX4", D(2026, 10, 4), "王强", "服务部", "客户", "采购计划", "否", "中", "高", "未采用", None, "否"],  # 5 DEM003
    ]
    path = write_workbook(tmp_path / "总部" / "需求信息.xlsx", {"需求信息": rows})
    assert problems_of(path) == sorted([("E3", "TYP012"), ("K3", "DEM001"), ("K4", "DEM002"), ("L5", "DEM003")])
