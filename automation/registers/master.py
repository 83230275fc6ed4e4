"""基础资料 (`master`, head office): staff list and the calendar overrides (§2.1)."""

from __future__ import annotations

from . import articles as a
from .model import Column, Kind, Register, SheetModel, enum

DEPARTMENTS = ("信息部", "企划部", "资材部", "服务部", "营业部", "财务部", "技术部", "质量管理部", "其他")
POSTS = ("业务员", "技术员", "服务主任", "经理", "会计员", "市场主管", "其他")

STAFF = SheetModel(
    name="员工",
    description="公司员工名单；其他登记簿中的业务员、技术员、服务主任均以此表为准。",
    columns=(
        Column("工号", Kind.CODE, required=True, unique=True),
        Column("姓名", Kind.TEXT, required=True, unique=True),
        Column("部门", **enum(*DEPARTMENTS), required=True),
        Column("岗位", **enum(*POSTS), required=True),
        Column("所属单位", Kind.TEXT, required=True, rule="总部或某个分公司文件夹的名称"),
        Column("在职状态", **enum("在职", "离职"), required=True),
        Column("离职日期", Kind.DATE, rule="在职状态为“离职”时必填", article=a.INFO_LEAVER),
    ),
)

CALENDAR_OVERRIDES = SheetModel(
    name="节假日调整",
    description="工作日历的调整：覆盖法定节假日与调休数据，没有数据的年份请在此录入。",
    columns=(
        Column("日期", Kind.DATE, required=True, unique=True),
        Column("类型", **enum("休息日", "工作日", "全年已录入"), required=True,
               rule="「全年已录入」表示该年节假日与调休已全部录入：日期填该年未用过的任一天，该天是否上班不变"),
        Column("说明", Kind.TEXT),
    ),
)

MASTER = Register(
    key="master",
    name="基础资料",
    title_en="master data",
    at_head_office=True,
    sheets=(STAFF, CALENDAR_OVERRIDES),
    regulation=a.INFO,
)
