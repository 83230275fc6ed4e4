"""Rules of 保养合同 (§2.4): periods, the archive's customer, notices and renewals."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...problems import Problem
from ...registers.model import Kind
from ..context import CONTRACT_LOOKUP, Context, filled
from ..schemas import uniqueness_key
from .callins import model_key, model_keys
from .common import check_customer_codes, check_staff, required_when

EQUIPMENT = "客户设备"


def notice_due(data: pd.DataFrame, notice_days: int) -> pd.Series:
    """The last day an expiry notice is in time (第十九条「期满前一个月」, settings contracts.notice_days): that many
    days before 到期日期, but never before 开始日期 — a contract shorter than that is in time on its first day."""
    due = data["到期日期"] - pd.Timedelta(days=int(notice_days))
    return due.mask(data["开始日期"] > due, data["开始日期"])


def late_notice(data: pd.DataFrame, notice_days: int) -> np.ndarray:
    """Rows whose expiry notice went out after :func:`notice_due` but by the expiry (later still is CON003). The
    续约提醒 job marks the same rows."""
    notice = data["到期通知日期"]
    return ((notice > notice_due(data, notice_days)) & (notice <= data["到期日期"])).to_numpy(dtype=bool)


def period(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("保养合同")
    d = t.data
    yield from ctx.flag("CON001", t, (d["到期日期"] <= d["开始日期"]).to_numpy(), "到期日期")
    yield from ctx.flag("CON003", t, (d["到期通知日期"] > d["到期日期"]).to_numpy(), "到期通知日期")
    days = int(ctx.settings.notice_days)
    yield from ctx.flag("CON007", t, late_notice(d, days), "到期通知日期", notice=d["到期通知日期"], days=days,
                        due=notice_due(d, days))


def customer(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("保养合同")
    archive = ctx.lookups.customers
    yield from check_customer_codes(ctx, t, "客户代码", archive)
    if archive is None:
        return
    known = [archive.get(c) for c in t.data["客户代码"].tolist()]
    ours = uniqueness_key(t.data["客户名称"], Kind.TEXT).tolist()
    theirs = uniqueness_key(pd.Series(known, dtype=object), Kind.TEXT).tolist()
    differs = np.array([isinstance(a, str) and isinstance(b, str) and a != b for a, b in zip(ours, theirs, strict=True)], dtype=bool)
    yield from ctx.flag("CON002", t, differs, "客户名称", archive=known)


def renewal(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("保养合同")
    d = t.data
    renewed = d["续约结果"].eq("已续约").fillna(False).to_numpy(dtype=bool)
    yield from required_when(ctx, "CON004", t, renewed, "新合同编号")
    has_new = filled(t, "新合同编号")
    # A renewal may sit in another contracts file of the same folder (保养合同-2025.xlsx → 保养合同-2026.xlsx).
    numbers = set(d["合同编号"].dropna().tolist())
    if ctx.lookups.contracts is not None:
        numbers |= set(ctx.lookups.contracts["合同编号"].dropna().tolist())
    unknown = has_new & renewed & ~d["新合同编号"].isin(list(numbers)).to_numpy()
    yield from ctx.flag("CON005", t, unknown, "新合同编号")
    yield from ctx.flag("CON006", t, has_new & ~renewed & ~t.bad["续约结果"], "新合同编号")


def renewal_visit(ctx: Context) -> Iterable[Problem]:
    """第十九条「并派员前往争取续约」: the visit follows the expiry notice, and a refusal is recorded with its reason.
    The columns are optional; a register without 不续约原因 is not asked for one, and a result that could not be
    read (its own TYP012) does not count as 不续约."""
    t = ctx.table("保养合同")
    d = t.data
    early = (d["拜访日期"] < d["到期通知日期"]).to_numpy(dtype=bool)
    yield from ctx.flag("CON008", t, early, "拜访日期", notice=d["到期通知日期"])
    if "不续约原因" not in t.columns:
        return
    refused = (d["拜访结果"].eq("不续约") | d["续约结果"].eq("不续约")).fillna(False).to_numpy(dtype=bool)
    yield from required_when(ctx, "CON009", t, refused, "不续约原因")
    if "续约拜访人" in t.columns:
        yield from check_staff(ctx, t, "续约拜访人", on_duty_at="拜访日期")


def equipment(ctx: Context) -> Iterable[Problem]:
    """客户设备, the customer's equipment file (售后 第七条; 第六条(2)(3)): the warranty ends after the sale, and a
    machine's contract is one of this register's (or its sibling files'), of the same customer, listing its model.
    A workbook without the sheet is not judged (its table is empty)."""
    t = ctx.tables.get(EQUIPMENT)
    if t is None:
        return
    d = t.data
    yield from ctx.flag("EQP001", t, (d["保修截止日期"] < d["销售日期"]).to_numpy(dtype=bool), "保修截止日期",
                        sold=d["销售日期"])
    yield from check_customer_codes(ctx, t, "客户代码", ctx.lookups.customers)
    frames = [ctx.table("保养合同").data[list(CONTRACT_LOOKUP)]]
    if ctx.lookups.contracts is not None:
        frames.append(ctx.lookups.contracts)
    known = pd.concat(frames, ignore_index=True).dropna(subset=["合同编号"]).drop_duplicates("合同编号")
    known = known.set_index("合同编号")
    numbers = d["保养合同编号"]
    has = filled(t, "保养合同编号")
    unknown = has & ~numbers.isin(list(known.index)).to_numpy(dtype=bool)
    yield from ctx.flag("EQP002", t, unknown, "保养合同编号")
    owner = numbers.map(known["客户代码"])
    # A contract whose 客户代码 is blank or unreadable has its own problem there; it is not judged as another's.
    owned = owner.notna().to_numpy(dtype=bool)
    other = has & ~unknown & owned & filled(t, "客户代码") & (
        owner.to_numpy(dtype=object) != d["客户代码"].to_numpy(dtype=object))
    yield from ctx.flag("EQP003", t, other, "保养合同编号", owner=owner.tolist())
    listed = numbers.map(known["商品型号"])
    uncovered = np.array(
        [bool(keys := model_keys(m)) and (key := model_key(own)) is not None and key not in keys
         for m, own in zip(listed.tolist(), d["商品型号"].tolist(), strict=True)],
        dtype=bool,
    )  # fmt: skip
    yield from ctx.flag("EQP004", t, has & ~unknown & ~other & uncovered, "保养合同编号", model=d["商品型号"],
                        models=listed)


RULES = (period, customer, renewal, renewal_visit, equipment)
