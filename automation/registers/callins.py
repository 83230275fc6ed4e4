"""叫修登记簿 (`callins`, each branch): customer repair call-ins, dispatch, completion and billing (§2.5)."""

from __future__ import annotations

from . import articles as a
from .model import Column, Kind, Register, SheetModel, enum, yes_no

# Service categories and the spellings staff use for them.
CATEGORY_ALIASES = {
    "A类": "A", "有费": "A", "有费服务": "A", "A有费服务": "A", "A类有费服务": "A",
    "B类": "B", "合同": "B", "合同服务": "B", "B合同服务": "B", "B类合同服务": "B",
    "C类": "C", "免费": "C", "免费服务": "C", "C免费服务": "C", "C类免费服务": "C",
}
CATEGORY = enum("A", "B", "C", aliases=CATEGORY_ALIASES, required=True, article=a.SVC_CATEGORIES,
                rule="A 有费服务，B 合同服务，C 免费服务")

# 第九条's two ways of billing a paid call, and the words staff type for them.
CASH, INVOICE = "当场收费", "开票另收"
PAYMENT_ALIASES = {
    "现金": CASH, "现收": CASH, "现付": CASH, "当场": CASH, "当场收款": CASH, "现场收费": CASH, "现金收费": CASH,
    "开票": INVOICE, "挂账": INVOICE, "另收": INVOICE, "开票收费": INVOICE, "另行收费": INVOICE, "开票后收费": INVOICE,
}

CALLIN = SheetModel(
    name="叫修登记",
    columns=(
        Column("登记号", Kind.CODE, required=True, unique=True, article=a.SVC_CALL),
        Column("来电时间", Kind.DATETIME, required=True, not_future=True, article=a.SVC_DEADLINE, width=17),
        Column("客户代码", Kind.CODE, rule="B 类（合同服务）必填；须为客户档案中的客户代码", article=a.SVC_CONTRACT_SERVICE),
        Column("客户名称", Kind.TEXT, required=True, article=a.SVC_CALL, width=28),
        Column("地址", Kind.TEXT, required=True, article=a.SVC_CALL, width=32),
        Column("电话", Kind.PHONE, required=True, article=a.SVC_CALL, width=16),
        Column("商品型号", Kind.TEXT, required=True, article=a.SVC_CALL),
        # Which machine (售后 第七条's voucher is per machine). Optional: without it a call is not checked against
        # the equipment file (保养合同/客户设备).
        Column("出厂编号", Kind.CODE, article=a.SVC_CALL,
               rule="须为保养合同/客户设备中该客户的设备；C 类须在保修期内，B 类须为该合同所保养的设备（选填列）"),
        Column("区域", **enum("市区", "郊区"), required=True, article=a.SVC_DEADLINE, rule="市区 6 个工作小时、郊区 7 个工作小时内到达"),
        Column("服务类别", **CATEGORY),
        Column("合同编号", Kind.CODE, rule="B 类必填；须为本分公司该客户的保养合同，且合同期覆盖来电时间", article=a.SVC_CONTRACT_SERVICE),
        Column("服务凭证号", Kind.CODE, article=a.SVC_CALL),
        Column("派工技术员", Kind.STAFF, rule="须为在职技术员", article=a.SVC_CALL),
        Column("派工时间", Kind.DATETIME, rule="不早于来电时间", article=a.SVC_CALL, width=17),
        Column("到达时间", Kind.DATETIME, rule="不早于派工时间；须有派工技术员", article=a.SVC_DEADLINE, width=17),
        Column("处理方式", **enum("现场修复", "带回修理"), rule="带回修理须在客户商品进出登记簿登记", article=a.SVC_TAKE_BACK),
        Column("完成时间", Kind.DATETIME, rule="不早于到达时间", article=a.SVC_ON_SITE, width=17),
        Column("客户签字", **yes_no(), rule="现场修复完成、带回修理时须有客户签字", article=a.SVC_ON_SITE),
        Column("服务费", Kind.MONEY, unit="元", minimum=0, rule="A 类完成须收费（>0）；C 类不收费", article=a.SVC_FEES),
        Column("收费方式", **enum(CASH, INVOICE, aliases=PAYMENT_ALIASES), article=a.SVC_FEES,
               rule="A 类现场修复：当场收费的发票可事后补寄；开票另收（或不填）须当天开票"),
        Column("发票号", Kind.CODE, rule="A 类现场修复完成须开票（当场收费的可待补寄）", article=a.SVC_FEES),
        Column("开票日期", Kind.DATE, rule="晚于完成当日时警告（当场收费补寄的除外）", article=a.SVC_FEES),
        # 第九条's receivables. Optional: a register from an older template has neither column and is not judged on
        # them (an absent optional column is no error, and nothing is listed as 应收未收 or 未交会计员 for it).
        Column("收款日期", Kind.DATE, not_future=True, article=a.SVC_FEES,
               rule="开票另收的：收到服务费的日期，不早于开票日期；未填的列入收费核对“应收未收”（选填列）"),
        Column("交会计员日期", Kind.DATE, not_future=True, article=a.SVC_FEES,
               rule="当场收费的：款项交给会计员的日期；完成 3 天后仍未填时警告（选填列）"),
        Column("备注", Kind.TEXT, width=24),
    ),
)

# 售后 第二条's customer opinion survey, one row per completed call asked. A sheet of its own in the same register
# because it is keyed by the call's 登记号 and kept by the same clerk. Optional: older call-in registers have none.
RATINGS = ("非常满意", "满意", "一般", "不满意", "很不满意")
SATISFIED = RATINGS[:2]
UNSATISFIED = RATINGS[3:]
RATING_ALIASES = {"很满意": "非常满意", "比较满意": "满意", "基本满意": "一般", "较差": "不满意", "差": "不满意",
                  "非常不满意": "很不满意"}  # fmt: skip
SURVEY = SheetModel(
    name="客户意见调查",
    description="服务完成后的客户意见调查：每次回访一行，按登记号对应叫修登记。",
    optional=True,
    enables=("客户意见调查与满意度", "the opinion survey and satisfaction"),
    columns=(
        Column("登记号", Kind.CODE, required=True, unique=True, article=a.SVC_SURVEY,
               rule="须为本表叫修登记中已完成的叫修"),
        Column("调查日期", Kind.DATE, required=True, not_future=True, article=a.SVC_SURVEY, rule="不早于完成时间"),
        Column("调查方式", **enum("电话", "走访", "问卷", "短信", "其他"), article=a.SVC_SURVEY),
        Column("调查人", Kind.STAFF, article=a.SVC_SURVEY),
        Column("满意度", **enum(*RATINGS, aliases=RATING_ALIASES), required=True, article=a.SVC_SURVEY),
        Column("客户意见", Kind.TEXT, width=32),
        Column("处理措施", Kind.TEXT, rule="满意度为“不满意”或“很不满意”时填写，未填时警告", article=a.SVC_SURVEY, width=28),
    ),
)

CALLINS = Register(
    key="callins",
    name="叫修登记簿",
    title_en="call-in register",
    at_head_office=False,
    sheets=(CALLIN, SURVEY),
    regulation=a.SERVICE,
)
