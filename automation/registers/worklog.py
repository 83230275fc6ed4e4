"""技术员工作日报表 (`worklog`, each branch): technicians' daily work and the manager's review (§2.7)."""

from __future__ import annotations

from . import articles as a
from .callins import CATEGORY
from .model import Column, Kind, Register, SheetModel, yes_no

DAILY = SheetModel(
    name="工作日报",
    columns=(
        Column("日期", Kind.DATE, required=True, not_future=True, article=a.SVC_DAILY_REPORT),
        Column("技术员", Kind.STAFF, required=True, article=a.SVC_DAILY_REPORT),
        Column("登记号", Kind.CODE, rule="填写时须为本分公司叫修登记簿中的登记号", article=a.SVC_DAILY_REPORT),
        Column("服务类别", **CATEGORY),
        Column("工作内容", Kind.TEXT, required=True, article=a.SVC_DAILY_REPORT, width=36),
        Column("开始时间", Kind.TIME),
        Column("结束时间", Kind.TIME, rule="晚于开始时间"),
        Column("工时", Kind.HOURS, required=True, minimum=0, minimum_open=True,
               rule="与结束−开始相差超过 0.1 小时警告；每人每日不超过 24 小时", article=a.SVC_DAILY_REPORT),
        # 第十四条「送请服务主任核阅存查」. Optional: without the column nobody is asked to mark the review.
        Column("主任核阅", **yes_no(), rule="服务主任核阅后填“是”；2 个工作日后仍未核阅的列入日报缺失（选填列）",
               article=a.SVC_DAILY_REPORT),
    ),
)

REVIEW = SheetModel(
    name="日报核阅",
    description="服务主任每个工作日的日报（据技术员日报填写），由分公司经理核阅签章后转送服务部。",
    columns=(
        Column("日期", Kind.DATE, required=True, unique=True, article=a.SVC_SUPERVISOR_REPORT,
               rule="服务主任日报的日期：每个工作日一行，缺少的列入日报缺失"),
        Column("服务主任", Kind.STAFF, required=True, article=a.SVC_SUPERVISOR_REPORT),
        Column("经理核阅", **yes_no(), required=True, article=a.SVC_REVIEW),
        Column("核阅日期", Kind.DATE, rule="经理核阅为“是”时必填，且不早于日期", article=a.SVC_REVIEW),
        # 第十六条: signed first, then sent to 服务部. Optional column.
        Column("转送服务部日期", Kind.DATE, not_future=True, rule="经理核阅签章后才能转送：不早于核阅日期（选填列）",
               article=a.SVC_REVIEW),
    ),
)

WORKLOG = Register(
    key="worklog",
    name="技术员工作日报表",
    title_en="technician daily reports",
    at_head_office=False,
    sheets=(DAILY, REVIEW),
    regulation=a.SERVICE,
)
