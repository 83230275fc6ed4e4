"""Rules of 需求信息 (§2.3): rewards and information reports of 客户要求信息处理制度."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...problems import Problem
from ...settings import Settings
from ..context import Context, yes


def reward_checks(data: pd.DataFrame, settings: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(paid, undeserved, outside) per row: 奖励金额 > 0; paid though neither 采用情况 = 已采用 nor 使用价值 = 高
    (DEM001); paid outside settings' reward_min..reward_max (DEM002). The 信息汇总 job pays only what passes."""
    reward = data["奖励金额"]
    paid = (reward > 0).to_numpy(dtype=bool)
    deserving = (data["采用情况"].eq("已采用") | data["使用价值"].eq("高")).fillna(False).to_numpy(dtype=bool)
    outside = paid & ((reward < settings.reward_min) | (reward > settings.reward_max)).to_numpy(dtype=bool)
    return paid, paid & ~deserving, outside


def rewards(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("需求信息")
    _paid, undeserved, outside = reward_checks(t.data, ctx.settings)
    yield from ctx.flag("DEM001", t, undeserved, "奖励金额")
    low, high = ctx.settings.reward_min, ctx.settings.reward_max
    yield from ctx.flag("DEM002", t, outside, "奖励金额", low=f"{low:g}", high=f"{high:g}")


def reports(ctx: Context) -> Iterable[Problem]:
    t = ctx.table("需求信息")
    high = t.data["使用价值"].eq("高").fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("DEM003", t, high & ~yes(t.data["已提交信息报告"]).to_numpy(), "已提交信息报告")


RULES = (rewards, reports)
