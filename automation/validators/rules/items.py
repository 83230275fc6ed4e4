"""Rules of 客户商品进出登记簿 (§2.6): repair dates, the return sign-offs and invoices."""

from __future__ import annotations

from collections.abc import Iterable

from ...problems import Problem
from ..context import Context, blank, filled, yes
from .common import check_callin_ids, check_staff, missing_list, required_when

SHEET = "商品进出"


def dates(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    yield from ctx.flag("ITM001", t, (d["约定完成日期"] < d["带回日期"]).to_numpy(), "约定完成日期")
    yield from ctx.flag("ITM002", t, (d["修妥日期"] < d["带回日期"]).to_numpy(), "修妥日期")
    yield from required_when(ctx, "ITM003", t, filled(t, "修妥日期"), "维修工时")
    yield from ctx.flag("ITM004", t, (d["归还日期"] < d["修妥日期"]).to_numpy(), "归还日期")


def return_signoffs(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    returned = filled(t, "归还日期")
    missing, zh, en = missing_list(
        (
            (returned & blank(t, "修妥日期"), "修妥", "repair"),
            (returned & ~yes(d["主任验收"]).to_numpy(), "主任验收", "supervisor's acceptance"),
            (returned & ~yes(d["客户签章"]).to_numpy(), "客户签章", "customer's seal"),
            (returned & ~yes(d["收据作废"]).to_numpy(), "收据作废", "cancelling the receipt"),
        ),
        len(t),
    )
    yield from ctx.flag("ITM005", t, missing, "归还日期", missing=zh, missing_en=en)


def invoices(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    returned = filled(t, "归还日期")
    paid = d["服务类别"].eq("A").fillna(False).to_numpy(dtype=bool)
    yield from required_when(ctx, "ITM006", t, paid & returned, "发票号")
    differs = returned & filled(t, "开票日期") & (d["开票日期"] != d["归还日期"]).to_numpy()
    yield from ctx.flag("ITM007", t, differs, "开票日期", returned=d["归还日期"])


def references(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    yield from check_callin_ids(ctx, t, "登记号")
    yield from check_staff(ctx, t, "维修技术员", on_duty_at="带回日期")


RULES = (dates, return_signoffs, invoices, references)
