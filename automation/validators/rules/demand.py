"""Rules of 需求信息 (§2.3): rewards and information reports of 客户要求信息处理制度."""

from __future__ import annotations

from collections.abc import Iterable

from ...problems import Problem
from ..context import Context, yes


def rewards(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("需求信息")
    d = t.data
    reward = d["奖励金额"]
    paid = (reward > 0).to_numpy()
    deserving = (d["采用情况"].eq("已采用") | d["使用价值"].eq("高")).fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("DEM001", t, paid & ~deserving, "奖励金额")
    low, high = ctx.settings.reward_min, ctx.settings.reward_max
    outside = paid & ((reward < low) | (reward > high)).to_numpy()
    yield from ctx.flag("DEM002", t, outside, "奖励金额", low=f"{low:g}", high=f"{high:g}")


def reports(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("需求信息")
    high = t.data["使用价值"].eq("高").fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("DEM003", t, high & ~yes(t.data["已提交信息报告"]).to_numpy(), "已提交信息报告")


RULES = (rewards, reports)
