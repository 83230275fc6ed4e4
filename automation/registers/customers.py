"""客户档案 (`customers`, head office): archive, contacts, correspondence, results, new-customer approval (§2.2)."""

from __future__ import annotations

from . import articles as a
from .model import Column, Kind, Register, SheetModel, enum, yes_no

YES_NO = yes_no()
PASS_FAIL = enum("合格", "不合格")
# How approvers write their decision on the form.
APPROVAL_ALIASES = {"批准": "同意", "通过": "同意", "准予": "同意", "不批准": "不同意", "不通过": "不同意", "驳回": "不同意"}

CUSTOMER = SheetModel(
    name="客户",
    description="客户档案主表，每个客户一行。",
    columns=(
        Column("客户代码", Kind.CODE, required=True, unique=True, rule="格式见设置 customers.code_pattern（默认 KH+5 位数字）", article=a.INFO_LIST),
        Column("客户名称", Kind.TEXT, required=True, unique=True, article=a.INFO_ARCHIVE, width=28),
        Column("客户类别", **enum("供应商", "经销商", "终端用户"), required=True),
        Column("统一社会信用代码", Kind.CREDITCODE, unique=True, width=22),
        Column("法定代表人", Kind.TEXT, required=True, article=a.INFO_ARCHIVE),
        Column("地址", Kind.TEXT, required=True, article=a.INFO_ARCHIVE, width=32),
        Column("邮编", Kind.POSTCODE, required=True, article=a.INFO_ARCHIVE),
        Column("电话", Kind.PHONE, required=True, article=a.INFO_ARCHIVE, width=16),
        Column("传真", Kind.PHONE, article=a.INFO_ARCHIVE),
        Column("经营范围", Kind.TEXT, article=a.INFO_ARCHIVE, width=24),
        Column("注册资本", Kind.NUMBER, unit="万元", minimum=0, minimum_open=True, article=a.INFO_ARCHIVE),
        Column("重要客户", **YES_NO, required=True, article=a.INFO_TWO_STAFF),
        Column("主办业务员", Kind.STAFF, required=True, article=a.INFO_HANDOVER),
        Column("协办业务员", Kind.STAFF, rule="重要客户必填，且不得与主办业务员相同", article=a.INFO_TWO_STAFF),
        Column("建档日期", Kind.DATE, required=True, not_future=True),
        Column("往来状态", **enum("正常", "暂停", "终止"), required=True),
    ),
)

CONTACTS = SheetModel(
    name="联系人",
    columns=(
        Column("客户代码", Kind.CODE, required=True, rule="须为客户表中的客户代码", article=a.INFO_ARCHIVE),
        Column("姓名", Kind.TEXT, required=True),
        Column("职务", Kind.TEXT),
        Column("电话", Kind.PHONE, required=True),
        Column("邮箱", Kind.EMAIL, width=24),
    ),
)

CORRESPONDENCE = SheetModel(
    name="往来记录",
    description="来函、去函、传真、电话、走访等往来记录。",
    columns=(
        Column("日期", Kind.DATE, required=True, not_future=True, article=a.INFO_CORRESPONDENCE),
        Column("客户代码", Kind.CODE, required=True, rule="须为客户表中的客户代码", article=a.INFO_CORRESPONDENCE),
        Column("方式", **enum("来函", "去函", "传真", "电话", "走访", "来访", "邮件", "其他"), required=True,
               article=a.INFO_CORRESPONDENCE),
        Column("本公司人员", Kind.STAFF, required=True, article=a.INFO_CORRESPONDENCE),
        Column("摘要", Kind.TEXT, required=True, article=a.INFO_CORRESPONDENCE, width=36),
        Column("重大事项", **YES_NO, article=a.INFO_MAJOR),
        Column("已报信息部", **YES_NO, rule="重大事项为“是”时须为“是”", article=a.INFO_MAJOR),
    ),
)

RESULTS = SheetModel(
    name="年度业绩",
    unique_together=(("客户代码", "年度"),),
    columns=(
        Column("客户代码", Kind.CODE, required=True, rule="须为客户表中的客户代码；与年度组合唯一", article=a.INFO_RESULTS),
        Column("年度", Kind.INT, required=True, minimum=2000, rule="2000 至今年", article=a.INFO_RESULTS),
        Column("交易额", Kind.NUMBER, unit="万元", required=True, minimum=0, article=a.INFO_RESULTS),
        Column("财务状况", **enum("良好", "一般", "较差"), article=a.INFO_RESULTS),
        Column("备注", Kind.TEXT),
    ),
)

NEW_CUSTOMERS = SheetModel(
    name="新客户开发",
    description="新客户开发审批流程：一般调查 → 实地调查 → 认定申请 → 供应/质保合同 → 建档。",
    columns=(
        Column("申请编号", Kind.CODE, required=True, unique=True),
        Column("客户名称", Kind.TEXT, required=True, width=28),
        Column("一般调查日期", Kind.DATE, required=True, article=a.DEV_GENERAL_SURVEY),
        Column("资料齐全", **YES_NO, article=a.DEV_GENERAL_SURVEY),
        Column("实地调查日期", Kind.DATE, rule="不早于一般调查日期", article=a.DEV_SITE_SURVEY),
        Column("设备技术", **PASS_FAIL, article=a.DEV_EQUIPMENT),
        Column("按时供货", **PASS_FAIL, article=a.DEV_ON_TIME),
        Column("财务信用", **PASS_FAIL, article=a.DEV_FINANCE),
        Column("合作态度", **PASS_FAIL, article=a.DEV_COOPERATION),
        Column("保密", **PASS_FAIL, article=a.DEV_CONFIDENTIALITY),
        Column("成本水平", **PASS_FAIL, article=a.DEV_COST),
        Column("认定申请日期", Kind.DATE, rule="不早于实地调查日期；须已实地调查、资料齐全且六项均合格", article=a.DEV_APPLICATION),
        # 第三条(1): the application goes to 市场主管, who decides. Optional columns: archives from older templates
        # have none of them and are not judged on the approval (an absent optional column is no error).
        Column("认定审批人", Kind.STAFF, rule="审批认定申请的市场主管（选填）", article=a.DEV_APPLICATION),
        Column("审批日期", Kind.DATE, not_future=True, rule="不早于认定申请日期（选填）", article=a.DEV_APPLICATION),
        Column("审批结论", **enum("同意", "不同意", aliases=APPROVAL_ALIASES),
               rule="填写客户代码前须为“同意”（有此列时）", article=a.DEV_APPLICATION),
        Column("供应合同日期", Kind.DATE, rule="不早于认定申请日期", article=a.DEV_SUPPLY_CONTRACT),
        Column("质保合同日期", Kind.DATE, rule="与供应合同同日签订", article=a.DEV_QUALITY_CONTRACT),
        Column("客户代码", Kind.CODE, rule="两份合同均已签订后才可填写；须在客户表中且客户名称一致", article=a.DEV_CODE),
        Column("已通知相关部门", **YES_NO, rule="建档后 7 日内完成（警告）", article=a.DEV_NOTIFY_FILE),
        Column("资料已存档", **YES_NO, rule="建档后 7 日内完成（警告）", article=a.DEV_NOTIFY_FILE),
    ),
)

SITE_CHECKS = ("设备技术", "按时供货", "财务信用", "合作态度", "保密", "成本水平")

CUSTOMERS = Register(
    key="customers",
    name="客户档案",
    title_en="customer archive",
    at_head_office=True,
    sheets=(CUSTOMER, CONTACTS, CORRESPONDENCE, RESULTS, NEW_CUSTOMERS),
    regulation=a.INFO,
)
