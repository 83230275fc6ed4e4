"""Rules of 叫修登记簿 (§2.5): contract service, dispatch order, on-site sign-off, fees and invoices, and the
workshop hand-over to 客户商品进出登记簿."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...problems import Problem
from ..context import Context, blank, filled, yes
from .common import check_customer_codes, check_staff, missing_lookup, required_when

SHEET = "叫修登记"


def contract_service(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    b = d["服务类别"].eq("B").fillna(False).to_numpy(dtype=bool)
    yield from required_when(ctx, "CAL001", t, b, "客户代码")
    yield from required_when(ctx, "CAL002", t, b, "合同编号")
    yield from check_customer_codes(ctx, t, "客户代码", ctx.lookups.customers)

    contracts = ctx.lookups.contracts
    if contracts is None:
        yield from missing_lookup(ctx, t, "合同编号", "contracts")
        return
    known = contracts.drop_duplicates("合同编号").set_index("合同编号")
    numbers = d["合同编号"]
    has = filled(t, "合同编号")
    owner = numbers.map(known["客户代码"]) if len(known) else pd.Series([None] * len(t), dtype=object)
    start = numbers.map(known["开始日期"]) if len(known) else pd.Series(pd.NaT, index=d.index)
    end = numbers.map(known["到期日期"]) if len(known) else pd.Series(pd.NaT, index=d.index)
    unknown = has & ~numbers.isin(list(known.index)).to_numpy()
    yield from ctx.flag("CAL003", t, unknown, "合同编号")

    found = has & ~unknown
    other = found & filled(t, "客户代码") & (owner.to_numpy(dtype=object) != d["客户代码"].to_numpy(dtype=object))
    yield from ctx.flag("CAL004", t, other, "合同编号", owner=owner.tolist())

    called = d["来电时间"]
    start = pd.to_datetime(start)
    end = pd.to_datetime(end)
    outside = found & ~other & called.notna().to_numpy() & ~(
        (called >= start) & (called < end + pd.Timedelta(days=1))
    ).to_numpy()
    yield from ctx.flag(
        "CAL005", t, outside, "合同编号", start=start, end=end
    )


def dispatch(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    yield from ctx.flag("CAL006", t, (d["派工时间"] < d["来电时间"]).to_numpy(), "派工时间")
    yield from ctx.flag("CAL007", t, (d["到达时间"] < d["派工时间"]).to_numpy(), "到达时间")
    yield from ctx.flag("CAL009", t, (d["完成时间"] < d["到达时间"]).to_numpy(), "完成时间")
    no_tech = blank(t, "派工技术员")
    dispatched, arrived = filled(t, "派工时间"), filled(t, "到达时间")
    what = np.where(arrived, "到达时间", "派工时间")
    what_en = np.where(arrived, "the arrival time", "the dispatch time")
    yield from ctx.flag("CAL008", t, no_tech & (dispatched | arrived), "派工技术员", what=what, what_en=what_en)
    yield from check_staff(ctx, t, "派工技术员", on_duty_at=("派工时间", "来电时间"), post="技术员")


def completion(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    done = filled(t, "完成时间")
    onsite = d["处理方式"].eq("现场修复").fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("CAL010", t, onsite & done & ~yes(d["客户签字"]).to_numpy(), "客户签字")
    yield from required_when(ctx, "CAL016", t, done & ~t.bad["完成时间"], "到达时间")


def fees(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    done = filled(t, "完成时间")
    category = d["服务类别"]
    paid = category.eq("A").fillna(False).to_numpy(dtype=bool)
    free = category.eq("C").fillna(False).to_numpy(dtype=bool)
    fee = d["服务费"]
    yield from ctx.flag("CAL011", t, paid & done & ~(fee > 0).to_numpy(), "服务费")
    yield from ctx.flag("CAL012", t, free & (fee > 0).to_numpy(), "服务费")
    onsite = d["处理方式"].eq("现场修复").fillna(False).to_numpy(dtype=bool)
    yield from required_when(ctx, "CAL013", t, paid & onsite & done, "发票号")
    done_day = d["完成时间"].dt.normalize()
    late = (d["开票日期"] > done_day).to_numpy()
    yield from ctx.flag("CAL014", t, late, "开票日期", done=done_day)


def workshop(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    taken = d["处理方式"].eq("带回修理").fillna(False).to_numpy(dtype=bool)
    ids = ctx.lookups.item_callin_ids or frozenset()
    missing = taken & filled(t, "登记号") & ~d["登记号"].isin(list(ids)).to_numpy()
    yield from ctx.flag("CAL015", t, missing, "处理方式", value=d["登记号"])


RULES = (contract_service, dispatch, completion, fees, workshop)
