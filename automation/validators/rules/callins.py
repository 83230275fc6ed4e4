"""Rules of 叫修登记簿 (§2.5): contract service, dispatch order, on-site sign-off, fees and invoices, and the
workshop hand-over to 客户商品进出登记簿."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...problems import Problem
from ...registers.callins import CASH, UNSATISFIED
from ...registers.model import normalise_choice
from ...xlsx.table import Table
from ..context import CONTRACT_UNREADABLE, Context, blank, filled, yes
from .common import check_customer_codes, check_staff, empty_lookup, missing_lookup, required_when

SHEET = "叫修登记"
TAKEN_BACK = "带回修理"

# A contract's 商品型号 may list several models: 、 , ， ; ； or a line break between them (after NFKC the full-width
# ones are ASCII). A slash is not one: it belongs to model names such as CA6140/1500.
_MODEL_LIST = re.compile(r"[、,;\n]")
# What a model is compared without: the Chinese kind word staff write before or after it (注塑机 HX-160, HX-160注塑机),
# brackets around that word, and the joiners staff write or leave out (HX-160, HX160).
_KIND_WORDS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff()\[\]【】]")
_JOINERS = re.compile(r"[-_./·]")


def model_key(text: object) -> str | None:
    """A product model as compared between a call and its contract: NFKC, no spaces, case-folded, without the kind
    word and the joiners; None when nothing is left (全部设备 names no model)."""
    if not isinstance(text, str):
        return None
    return _JOINERS.sub("", _KIND_WORDS.sub("", normalise_choice(text))) or None


def model_keys(text: object) -> frozenset[str]:
    """The models a contract's 商品型号 lists; empty when it names none (then it covers every model)."""
    if not isinstance(text, str):
        return frozenset()
    parts = _MODEL_LIST.split(unicodedata.normalize("NFKC", text))
    return frozenset(k for k in map(model_key, parts) if k is not None)


def paid_on_the_spot(table: Table) -> np.ndarray:
    """Calls billed the first way of 第九条: the fee collected on the spot (收费方式 当场收费), the invoice mailed
    afterwards (「凭以补寄发票」), so it may be missing for now and dated later. A call taken back for repair follows
    第十二条 (invoiced on the day the item is returned) whatever its 收费方式."""
    d = table.data
    cash = d["收费方式"].eq(CASH) & ~d["处理方式"].eq(TAKEN_BACK)
    return cash.fillna(False).to_numpy(dtype=bool)


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
    known = contracts.dropna(subset=["合同编号"]).drop_duplicates("合同编号").set_index("合同编号")
    if known.empty:
        yield from empty_lookup(ctx, t, "合同编号", "contracts")
        return
    numbers = d["合同编号"]
    has = filled(t, "合同编号")
    owner = numbers.map(known["客户代码"])
    start = numbers.map(known["开始日期"])
    end = numbers.map(known["到期日期"])
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

    # The contract is this customer's and covers the call's day: is it still in force, and does it cover the model?
    # Only B calls are judged: an A call may name the contract precisely because its model is not covered.
    judged = b & found & ~other & ~outside
    state = numbers.map(known["合同状态"])
    result = numbers.map(known["续约结果"])
    # 已终止 after running its term unrenewed (续约结果 不续约) covered the calls of its period, which CAL005 bounds;
    # 已终止 otherwise means ended before its term, and the register records no date for that.
    cancelled = (state.eq("已终止") & ~result.eq("不续约")).fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("CAL018", t, judged & cancelled, "合同编号")

    listed = numbers.map(known["商品型号"])
    covered = [model_keys(m) for m in listed.tolist()]
    uncovered = np.array(
        [bool(keys) and (key := model_key(m)) is not None and key not in keys
         for keys, m in zip(covered, d["商品型号"].tolist(), strict=True)],
        dtype=bool,
    )
    yield from ctx.flag("CAL019", t, judged & ~cancelled & uncovered, "商品型号", contract=numbers, models=listed)


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
    # 第十条: the customer signs the service voucher when the item is taken back, not when the repair is done.
    taken = d["处理方式"].eq(TAKEN_BACK).fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("CAL017", t, taken & ~yes(d["客户签字"]).to_numpy(), "客户签字")
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
    # 第九条's first way (当场收费) mails the invoice afterwards: none yet, or dated later, is fine (收费核对 lists it
    # as 待补寄发票 meanwhile). A 收费方式 that could not be read has its own problem; the row is not judged on it.
    same_day = ~paid_on_the_spot(t) & ~t.bad["收费方式"]
    yield from required_when(ctx, "CAL013", t, paid & onsite & done & same_day, "发票号")
    done_day = d["完成时间"].dt.normalize()
    late = (d["开票日期"] > done_day).to_numpy() & same_day
    yield from ctx.flag("CAL014", t, late, "开票日期", done=done_day)


# 第九条 has the cash collected on the spot handed to the 会计员 but names no delay; three calendar days leave a
# technician back from a suburban call over a weekend time to hand it in before the register warns.
HANDOVER_DAYS = 3


def receivables(ctx: Context) -> Iterable[Problem]:
    """第九条's receivables, where the optional columns 收款日期 and 交会计员日期 are kept. Invoiced to collect later
    (开票另收, a blank 收费方式, and any call taken back under 第十二条) is collected after the invoice, never before;
    cash collected on the spot goes to the 会计员, and a paid call finished :data:`HANDOVER_DAYS` days ago without
    that date is a warning. Rows whose dates or 收费方式 could not be read are not judged (NaT compares false)."""
    t = ctx.table(SHEET)
    d = t.data
    later = ~paid_on_the_spot(t) & ~t.bad["收费方式"]
    early = (d["收款日期"] < d["开票日期"]).to_numpy(dtype=bool) & later
    yield from ctx.flag("CAL020", t, early, "收款日期", invoice=d["开票日期"])
    if "交会计员日期" not in t.columns:
        return  # an older template: nobody was asked to record the hand-over
    done_day = d["完成时间"].dt.normalize()
    paid = d["服务类别"].eq("A").fillna(False).to_numpy(dtype=bool) & (d["服务费"] > 0).to_numpy(dtype=bool)
    overdue = (done_day < ctx.today - np.timedelta64(HANDOVER_DAYS, "D")).to_numpy(dtype=bool)
    days = [None if pd.isna(x) else int(x) for x in ((ctx.today - done_day) / pd.Timedelta(days=1)).tolist()]
    yield from ctx.flag("CAL021", t, paid & paid_on_the_spot(t) & overdue & blank(t, "交会计员日期"), "交会计员日期",
                        days=days)


def workshop(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(SHEET)
    d = t.data
    taken = d["处理方式"].eq(TAKEN_BACK).fillna(False).to_numpy(dtype=bool)
    ids = ctx.lookups.item_callin_ids or frozenset()
    missing = taken & filled(t, "登记号") & ~d["登记号"].isin(list(ids)).to_numpy()
    yield from ctx.flag("CAL015", t, missing, "处理方式", value=d["登记号"])


def machine(ctx: Context) -> Iterable[Problem]:
    """The machine a call names (出厂编号) against the branch's equipment file (保养合同/客户设备): it is there, it is
    the caller's, a free call (C, 第六条(3)) falls within its warranty, and a contract call (B, 第六条(2)) is for a
    machine under a contract. Nothing is judged without the equipment file or the 出厂编号 column; a C call without
    a serial number is a warning (its warranty cannot be checked)."""
    t = ctx.table(SHEET)
    d = t.data
    machines = ctx.lookups.equipment
    if machines is None or "出厂编号" not in t.columns:
        return
    known = machines.dropna(subset=["出厂编号"]).drop_duplicates("出厂编号").set_index("出厂编号")
    if known.empty:
        return
    serial = d["出厂编号"]
    has = filled(t, "出厂编号")
    unknown = has & ~serial.isin(list(known.index)).to_numpy(dtype=bool)
    yield from ctx.flag("CAL023", t, unknown, "出厂编号")
    found = has & ~unknown
    owner = serial.map(known["客户代码"])
    # A machine of a walk-in customer has no 客户代码 in the file: nobody else's, so it is not judged as such.
    owned = owner.notna().to_numpy(dtype=bool)
    other = found & owned & filled(t, "客户代码") & (owner.to_numpy(dtype=object) != d["客户代码"].to_numpy(dtype=object))
    yield from ctx.flag("CAL024", t, other, "出厂编号", owner=owner.tolist())
    mine = found & ~other
    category = d["服务类别"]
    free = category.eq("C").fillna(False).to_numpy(dtype=bool)
    ends = pd.to_datetime(serial.map(known["保修截止日期"]))
    # The warranty covers its last day whole: a call at 16:00 on that day is still free.
    expired = (d["来电时间"] >= ends + pd.Timedelta(days=1)).to_numpy(dtype=bool)
    yield from ctx.flag("CAL022", t, mine & free & expired, "服务类别", serial=serial, end=ends)
    yield from ctx.flag("CAL026", t, free & blank(t, "出厂编号") & ~t.bad["服务类别"], "出厂编号")
    # Which contract a machine is under is the equipment file's to say (EQP002–EQP004); a call names the contract
    # in force when it came in, which after a renewal is not the one the file lists now, so only a machine under no
    # contract at all is a mistake here.
    # A 保养合同编号 that could not be read (its own problem in 客户设备) is not taken for "no contract".
    unreadable = serial.map(known[CONTRACT_UNREADABLE].astype(object)).eq(True).to_numpy(dtype=bool)
    uncovered = serial.map(known["保养合同编号"]).isna().to_numpy(dtype=bool) & ~unreadable
    b = category.eq("B").fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("CAL025", t, mine & b & uncovered, "出厂编号")


SURVEY = "客户意见调查"


def survey(ctx: Context) -> Iterable[Problem]:
    """售后 第二条's opinion survey: of a call in this register's 叫修登记, after it was completed; a dissatisfied
    customer's row says what was done about it."""
    s = ctx.tables.get(SURVEY)
    if s is None or not len(s):
        return
    table = ctx.table(SHEET)
    # A call whose 完成时间 could not be read (TYP002 there) is not taken for open: its completion is unknown.
    calls = table.data[~table.bad["完成时间"]].dropna(subset=["登记号"]).drop_duplicates("登记号").set_index("登记号")
    unknown_done = set(table.data["登记号"][table.bad["完成时间"]].dropna().tolist())
    number = s.data["登记号"]
    has = filled(s, "登记号")
    here = number.isin(list(calls.index)).to_numpy(dtype=bool)
    completion_unreadable = number.isin(list(unknown_done)).to_numpy(dtype=bool)
    # A call of last year's file beside this one (叫修登记簿-2025.xlsx) is known but its completion is not judged.
    elsewhere = number.isin(list(ctx.lookups.callin_ids or ())).to_numpy(dtype=bool) & ~here
    yield from ctx.flag("SUR001", s, has & ~here & ~elsewhere & ~completion_unreadable, "登记号")
    # Series.map with an empty datetime mapper raises (pandas casts the empty mapper to float): no calls, no times.
    done = (pd.to_datetime(number.map(calls["完成时间"])) if len(calls)
            else pd.Series(pd.NaT, index=number.index, dtype="datetime64[ns]"))
    open_call = has & here & done.isna().to_numpy(dtype=bool)
    yield from ctx.flag("SUR002", s, open_call, "登记号")
    done_day = done.dt.normalize()
    yield from ctx.flag("SUR003", s, (s.data["调查日期"] < done_day).to_numpy(dtype=bool), "调查日期", done=done_day)
    if "处理措施" in s.columns:
        unhappy = s.data["满意度"].isin(UNSATISFIED).to_numpy(dtype=bool)
        yield from ctx.flag("SUR004", s, unhappy & blank(s, "处理措施"), "处理措施", value=s.data["满意度"])
    yield from check_staff(ctx, s, "调查人", on_duty_at="调查日期")


RULES = (contract_service, dispatch, completion, fees, receivables, workshop, machine, survey)
