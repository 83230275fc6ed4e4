"""Rules of 客户档案 (§2.2): code format, important customers, references, correspondence, yearly results and the
new-customer approval workflow of 客户开发管理制度."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...patterns import describe
from ...problems import Problem
from ...registers.customers import SITE_CHECKS
from ...registers.model import Kind
from ...xlsx.table import Table
from ..context import Context, blank, filled, yes
from ..schemas import uniqueness_key
from .common import check_customer_codes, check_staff, missing_list, required_when, staff_index


def _archive(ctx: Context) -> dict[str, str]:
    t = ctx.table("客户")
    return {c: n for c, n in zip(t.data["客户代码"].tolist(), t.data["客户名称"].tolist(), strict=True) if c is not None}


def code_format(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("客户")
    pattern = re.compile(ctx.settings.code_pattern)
    wrong = [v is not None and not pattern.search(v) for v in t.data["客户代码"].tolist()]
    # Clerks do not read regular expressions: the pattern is said in words (or by an example that matches).
    expected = describe(ctx.settings.code_pattern)
    yield from ctx.flag("CUS001", t, np.array(wrong, dtype=bool), "客户代码", expected=expected.zh,
                        expected_en=expected.en)


def important_customers(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("客户")
    d = t.data
    yield from required_when(ctx, "CUS002", t, yes(d["重要客户"]), "协办业务员")
    names = ctx.lookups.staff_names
    same = filled(t, "协办业务员") & (names(d["协办业务员"]) == names(d["主办业务员"])).to_numpy()
    yield from ctx.flag("CUS003", t, same, "协办业务员")


def salespeople(ctx: Context) -> Iterable[Problem]:
    # A salesperson who left is a hand-over reminder (客户维护提醒), not an error: only existence is checked here.
    t = ctx.table("客户")
    yield from check_staff(ctx, t, "主办业务员")
    yield from check_staff(ctx, t, "协办业务员")


def references(ctx: Context) -> Iterable[Problem]:
    archive = _archive(ctx)
    for sheet in ("联系人", "往来记录", "年度业绩"):
        yield from check_customer_codes(ctx, ctx.table(sheet), "客户代码", archive)


def correspondence(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("往来记录")
    yield from check_staff(ctx, t, "本公司人员", on_duty_at="日期")
    major = yes(t.data["重大事项"]).to_numpy() & ~yes(t.data["已报信息部"]).to_numpy()
    yield from ctx.flag("CUS004", t, major, "已报信息部")


def yearly_results(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("年度业绩")
    yield from ctx.flag("CUS005", t, (t.data["年度"] > ctx.as_of.year).to_numpy(), "年度")


def new_customer_workflow(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("新客户开发")
    d = t.data
    general, site, request = d["一般调查日期"], d["实地调查日期"], d["认定申请日期"]
    supply, quality = d["供应合同日期"], d["质保合同日期"]
    yield from ctx.flag("NEW001", t, (site < general).to_numpy(), "实地调查日期")

    has_request = filled(t, "认定申请日期")
    parts = [(blank(t, "实地调查日期"), "实地调查", "the site survey"),
             (~yes(d["资料齐全"]).to_numpy(), "资料齐全", "complete documents")]
    failed = np.zeros(len(t), dtype=bool)
    for name in SITE_CHECKS:
        failed |= ~d[name].eq("合格").fillna(False).to_numpy(dtype=bool)
    parts.append((failed, "六项实地调查均合格", "all six site checks passed"))
    missing, zh, en = missing_list(((has_request & m, a, b) for m, a, b in parts), len(t))
    yield from ctx.flag("NEW002", t, missing, "认定申请日期", missing=zh, missing_en=en)
    yield from ctx.flag("NEW003", t, (request < site).to_numpy(), "认定申请日期")

    supply_early = filled(t, "供应合同日期") & ~(supply >= request).to_numpy()
    yield from ctx.flag("NEW004", t, supply_early & ~t.bad["认定申请日期"], "供应合同日期")
    mismatch = (filled(t, "供应合同日期") | filled(t, "质保合同日期")) & ~(supply == quality).to_numpy()
    mismatch &= ~t.bad["供应合同日期"]
    yield from ctx.flag("NEW005", t, mismatch, "质保合同日期")

    has_code = filled(t, "客户代码")
    both = filled(t, "供应合同日期") & filled(t, "质保合同日期")
    yield from ctx.flag("NEW006", t, has_code & ~both, "客户代码")
    archive = _archive(ctx)
    archived = {c: _norm(n) for c, n in archive.items() if n}
    names = uniqueness_key(d["客户名称"], Kind.TEXT)
    wrong = [c is not None and archived.get(c) != n for c, n in zip(d["客户代码"], names, strict=True)]
    yield from ctx.flag("NEW007", t, has_code & both & np.array(wrong, dtype=bool), "客户代码")

    overdue = has_code & both & (supply + pd.Timedelta(days=7) < pd.Timestamp(ctx.as_of.date())).to_numpy()
    notified, archived = yes(d["已通知相关部门"]).to_numpy(), yes(d["资料已存档"]).to_numpy()
    late, zh, en = missing_list(
        ((overdue & ~notified, "通知相关部门", "notified the departments"),
         (overdue & ~archived, "资料存档", "filed the documents")), len(t))
    yield from ctx.flag("NEW008", t, late & ~notified, "已通知相关部门", missing=zh, missing_en=en)
    yield from ctx.flag("NEW008", t, late & notified, "资料已存档", missing=zh, missing_en=en)


def new_customer_approval(ctx: Context) -> Iterable[Problem]:
    """第三条(1): the 认定申请 goes to 市场主管, who decides before a code is given. The columns are optional: an
    archive from an older template without 审批结论 is not judged on it. Who approved is checked to be staff in
    service on the approval day, and to be a 市场主管 once the staff list names one (:func:`approver_post`)."""
    t = ctx.table("新客户开发")
    d = t.data
    if "审批结论" in t.columns:
        # An unreadable decision already carries TYP012 at its cell; it is not judged twice.
        approved = d["审批结论"].eq("同意").fillna(False).to_numpy(dtype=bool)
        yield from ctx.flag("NEW009", t, filled(t, "客户代码") & ~approved & ~t.bad["审批结论"], "客户代码")
    yield from ctx.flag("NEW010", t, (d["审批日期"] < d["认定申请日期"]).to_numpy(), "审批日期")
    if "认定审批人" in t.columns:
        yield from check_staff(ctx, t, "认定审批人", on_duty_at="审批日期")
        yield from approver_post(ctx, t)


APPROVER_POST = "市场主管"


def approver_post(ctx: Context, t: Table) -> list[Problem]:
    """NEW011: 第三条(1) sends the application to the 市场主管. Judged only once the staff list names one (a list
    from before the post existed would otherwise put a warning on every approval)."""
    staff = ctx.lookups.staff
    if staff is None or not staff["岗位"].eq(APPROVER_POST).any():
        return []
    index = staff_index(staff)
    posts = staff["岗位"].tolist()
    actual = [posts[index[v]] if isinstance(v, str) and v in index else None for v in t.data["认定审批人"].tolist()]
    wrong = np.array([isinstance(p, str) and p != APPROVER_POST for p in actual], dtype=bool)
    return ctx.flag("NEW011", t, wrong, "认定审批人", post=actual)


def _norm(name: str) -> str:
    return uniqueness_key(pd.Series([name], dtype=object), Kind.TEXT).iloc[0]


RULES = (code_format, important_customers, salespeople, references, correspondence, yearly_results,
         new_customer_workflow, new_customer_approval)
