"""客户商品进出登记簿 (`items`, each branch): customer items taken to the workshop and returned (§2.6)."""

from __future__ import annotations

from . import articles as a
from .callins import CATEGORY
from .model import Column, Kind, Register, SheetModel, yes_no

YES_NO = yes_no()

ITEM = SheetModel(
    name="商品进出",
    columns=(
        Column("收据号", Kind.CODE, required=True, unique=True, article=a.SVC_TAKE_BACK),
        Column("登记号", Kind.CODE, required=True, rule="须为本分公司叫修登记簿中的登记号", article=a.SVC_TAKE_BACK),
        Column("客户名称", Kind.TEXT, required=True, width=28),
        Column("商品型号", Kind.TEXT, required=True),
        Column("带回日期", Kind.DATE, required=True, article=a.SVC_TAKE_BACK),
        Column("约定完成日期", Kind.DATE, required=True, rule="不早于带回日期；逾期报服务主任", article=a.SVC_OVERDUE),
        Column("修理卡号", Kind.CODE, required=True, unique=True, article=a.SVC_TAKE_BACK),
        Column("维修技术员", Kind.STAFF, required=True, article=a.SVC_REPAIR),
        Column("维修工时", Kind.HOURS, minimum=0, rule="修妥后必填", article=a.SVC_REPAIR),
        Column("配套零件", Kind.TEXT, article=a.SVC_REPAIR, width=20),
        Column("修妥日期", Kind.DATE, rule="不早于带回日期", article=a.SVC_REPAIR),
        Column("主任验收", **YES_NO, article=a.SVC_REPAIR),
        Column("归还日期", Kind.DATE, rule="须已修妥、主任验收、客户签章、收据作废；不早于修妥日期", article=a.SVC_REPAIR),
        Column("客户签章", **YES_NO, article=a.SVC_REPAIR),
        Column("收据作废", **YES_NO, article=a.SVC_REPAIR),
        Column("服务类别", **CATEGORY),
        Column("发票号", Kind.CODE, rule="A 类归还时须开票", article=a.SVC_WORKSHOP_INVOICE),
        Column("开票日期", Kind.DATE, rule="与归还日期不同时警告", article=a.SVC_WORKSHOP_INVOICE),
    ),
)

ITEMS = Register(
    key="items",
    name="客户商品进出登记簿",
    title_en="workshop item in/out register",
    at_head_office=False,
    sheets=(ITEM,),
    regulation=a.SERVICE,
)
