"""需求信息 (`demand`, head office): the demand / order information register (§2.3)."""

from __future__ import annotations

from . import articles as a
from .model import Column, Kind, Register, SheetModel, enum, yes_no

LEVELS = ("高", "中", "低")
SOURCES = ("政府部门", "协会团体", "事业单位", "研究机构", "工商企业", "信息机构", "传播媒介", "客户", "其他")

DEMAND_INFO = SheetModel(
    name="需求信息",
    columns=(
        Column("信息编号", Kind.CODE, required=True, unique=True, article=a.DEMAND_CARD),
        Column("登记日期", Kind.DATE, required=True, not_future=True, article=a.DEMAND_CARD),
        Column("提供人", Kind.TEXT, required=True, article=a.DEMAND_CARD),
        Column("提供人部门", Kind.TEXT),
        Column("信息来源", **enum(*SOURCES), required=True, article=a.DEMAND_SOURCES),
        Column("相关单位", Kind.TEXT, width=24),
        Column("需求内容", Kind.TEXT, required=True, width=36),
        Column("订货信息", **yes_no(), required=True),
        Column("可信度", **enum(*LEVELS), required=True, article=a.DEMAND_JUDGED),
        Column("使用价值", **enum(*LEVELS), required=True, article=a.DEMAND_JUDGED),
        Column("分送部门", Kind.TEXT, article=a.DEMAND_JUDGED),
        Column("采用情况", **enum("待定", "已采用", "未采用"), required=True),
        Column("效益", Kind.MONEY, unit="元", minimum=0),
        Column("奖励金额", Kind.MONEY, unit="元", minimum=0,
               rule="仅已采用或使用价值为“高”的信息可奖励；金额在设置 demand.reward_min～reward_max 之间",
               article=a.DEMAND_REWARD),
        Column("已提交信息报告", **yes_no(), rule="使用价值为“高”时须提交（警告）", article=a.DEMAND_REPORT),
    ),
)

DEMAND = Register(
    key="demand",
    name="需求信息",
    title_en="demand information",
    at_head_office=True,
    sheets=(DEMAND_INFO,),
    regulation=a.DEMAND,
)
