"""Rules of 基础资料 (§2.1): leaving dates and units."""

from __future__ import annotations

from collections.abc import Iterable

from ...problems import Problem
from ..context import Context, blank, filled


def leaving_date(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("员工")
    status = t.data["在职状态"]
    yield from ctx.flag("MST001", t, status.eq("离职").to_numpy() & blank(t, "离职日期"), "离职日期")
    yield from ctx.flag("MST002", t, status.eq("在职").to_numpy() & filled(t, "离职日期"), "离职日期")


def unit_exists(ctx: Context) -> Iterable[Problem]:
    units = ctx.lookups.units
    if not units:
        return
    t = ctx.table("员工")
    unknown = filled(t, "所属单位") & ~t.data["所属单位"].isin(list(units)).to_numpy()
    yield from ctx.flag("MST003", t, unknown, "所属单位", units="、".join(sorted(units)))


RULES = (leaving_date, unit_exists)
