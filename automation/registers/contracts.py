"""保养合同 (`contracts`, each branch): maintenance contracts and their renewal (§2.4)."""

from __future__ import annotations

from . import articles as a
from .model import Column, Kind, Register, SheetModel, enum

CONTRACT = SheetModel(
    name="保养合同",
    columns=(
        Column("合同编号", Kind.CODE, required=True, unique=True),
        Column("客户代码", Kind.CODE, required=True, rule="须为客户档案中的客户代码", article=a.SVC_CONTRACT_SERVICE),
        Column("客户名称", Kind.TEXT, required=True, rule="与客户档案不一致时警告", width=28),
        Column("商品型号", Kind.TEXT, required=True, article=a.SVC_CONTRACT_SERVICE,
               rule="可列多个型号，用、或，或；分隔；B 类叫修的商品型号须在其中（只写“全部设备”等不含型号时不核对）"),
        Column("开始日期", Kind.DATE, required=True),
        Column("到期日期", Kind.DATE, required=True, rule="晚于开始日期", article=a.SVC_RENEWAL),
        Column("合同金额", Kind.MONEY, unit="元", required=True, minimum=0, minimum_open=True),
        Column("合同状态", **enum("有效", "已续约", "已终止"), required=True, article=a.SVC_CONTRACT_SERVICE,
               rule="已终止的合同不能再登记 B 类叫修；期满不续约的请同时填续约结果“不续约”"),
        Column("到期通知日期", Kind.DATE, article=a.SVC_RENEWAL,
               rule="不晚于到期日期；期满前一个月（设置 contracts.notice_days，默认 30 天）寄出，晚于时警告"),
        Column("续约结果", **enum("洽谈中", "已续约", "不续约"), article=a.SVC_RENEWAL),
        Column("新合同编号", Kind.CODE, rule="续约结果为“已续约”时必填，且须为本登记簿中的合同", article=a.SVC_RENEWAL),
        # 第十九条「并派员前往争取续约」: who went, when, and what the customer said. Optional columns: a register from an
        # older template has none of them and is not judged on them.
        Column("续约拜访人", Kind.STAFF, rule="派往争取续约的员工（选填列）", article=a.SVC_RENEWAL),
        Column("拜访日期", Kind.DATE, not_future=True, rule="不早于到期通知日期（选填列）", article=a.SVC_RENEWAL),
        Column("拜访结果", **enum("续约", "不续约", "待定"), rule="客户在拜访时的答复（选填列）", article=a.SVC_RENEWAL),
        Column("不续约原因", Kind.TEXT, rule="拜访结果或续约结果为“不续约”时请填写，未填时警告（选填列）",
               article=a.SVC_RENEWAL, width=24),
    ),
)

# 客户资料袋 (售后 第七条): the machines the branch services, each under its warranty and, when there is one, its
# maintenance contract. Kept beside the contracts because the branch's service group holds the customer's file (第七条:
# the clerk takes the voucher out of it) and a B call is checked against both. Optional: contract registers from
# before this sheet keep working, and calls are then not checked against machines.
EQUIPMENT = SheetModel(
    name="客户设备",
    description="客户资料袋：本分公司服务的每台设备一行（出厂编号、销售日期、保修期、所属保养合同）。",
    optional=True,
    enables=("叫修的保修期与合同设备", "the warranty and contract cover of calls"),
    columns=(
        Column("出厂编号", Kind.CODE, required=True, unique=True, article=a.SVC_CALL,
               rule="设备铭牌上的出厂编号；叫修登记的出厂编号须在此表中"),
        Column("客户代码", Kind.CODE, rule="已建档客户填写，须为客户档案中的客户代码", article=a.SVC_CALL),
        Column("客户名称", Kind.TEXT, required=True, article=a.SVC_CALL, width=28),
        Column("商品型号", Kind.TEXT, required=True, article=a.SVC_CALL),
        Column("销售日期", Kind.DATE, required=True, not_future=True, article=a.SVC_FREE),
        Column("保修截止日期", Kind.DATE, required=True, rule="不早于销售日期；期内的叫修为 C 类（免费服务）",
               article=a.SVC_FREE),
        Column("保养合同编号", Kind.CODE, rule="有保养合同时填写（续约后改填新合同）：须为本登记簿中该客户的合同，且合同所列型号含本机型号；B 类叫修的设备须有合同",
               article=a.SVC_CONTRACT_SERVICE),
        Column("备注", Kind.TEXT, width=24),
    ),
)

CONTRACTS = Register(
    key="contracts",
    name="保养合同",
    title_en="maintenance contracts",
    at_head_office=False,
    sheets=(CONTRACT, EQUIPMENT),
    regulation=a.SERVICE,
)
