"""Rules of 技术员工作日报表 (§2.7): times and hours, daily totals, and the manager's review of daily reports."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...problems import Problem
from ..context import Context, filled, yes
from .common import check_callin_ids, check_staff, required_when

DAILY, REVIEW = "工作日报", "日报核阅"


def times(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(DAILY)
    d = t.data
    start, end, hours = d["开始时间"], d["结束时间"], d["工时"]
    backwards = (end <= start).to_numpy()
    yield from ctx.flag("WRK001", t, backwards, "结束时间")
    span = (end - start) / 60
    off = ~backwards & ((hours - span).abs() > 0.1 + 1e-9).to_numpy()
    yield from ctx.flag("WRK002", t, off, "工时", span=[f"{v:.2f}".rstrip("0").rstrip(".") for v in span.fillna(0)])


def daily_totals(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(DAILY)
    d = t.data
    ok = d["日期"].notna() & d["技术员"].notna() & d["工时"].notna()
    if not ok.any():
        return
    rows = d[ok].assign(技术员=ctx.lookups.staff_names(d["技术员"][ok]))
    totals = rows.groupby(["日期", "技术员"], sort=False)["工时"].agg(["sum", lambda s: s.index[-1]])
    totals.columns = ["total", "last"]
    limit = ctx.settings.max_daily_hours
    for code, mask in (("WRK003", totals["total"] > 24), ("WRK004", (totals["total"] > limit) & (totals["total"] <= 24))):
        chosen = totals[mask]
        if chosen.empty:
            continue
        flag = np.zeros(len(t), dtype=bool)
        flag[chosen["last"].to_numpy(dtype=np.int64)] = True
        total = pd.Series(np.nan, index=d.index)
        total.loc[chosen["last"].to_numpy()] = chosen["total"].to_numpy()
        who = pd.Series(None, index=d.index, dtype=object)
        who.loc[chosen["last"].to_numpy()] = [k[1] for k in chosen.index]
        yield from ctx.flag(
            code, t, flag, "工时", who=who, day=d["日期"],
            total=[f"{v:g}" for v in total.fillna(0)], limit=f"{limit:g}",
        )


def references(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(DAILY)
    yield from check_callin_ids(ctx, t, "登记号")
    yield from check_staff(ctx, t, "技术员", on_duty_at="日期")


def review(ctx: Context) -> Iterable[Problem]:
    t = ctx.table(REVIEW)
    d = t.data
    reviewed = yes(d["经理核阅"]).to_numpy()
    yield from required_when(ctx, "WRK005", t, reviewed, "核阅日期")
    yield from ctx.flag("WRK006", t, (d["核阅日期"] < d["日期"]).to_numpy(), "核阅日期")
    not_reviewed = d["经理核阅"].eq(False).fillna(False).to_numpy(dtype=bool)
    yield from ctx.flag("WRK007", t, not_reviewed & filled(t, "核阅日期"), "核阅日期")
    yield from check_staff(ctx, t, "服务主任", on_duty_at="日期")
    # 第十六条: the manager signs the supervisor's daily report first, then it goes to 服务部.
    sent = filled(t, "转送服务部日期")
    yield from ctx.flag("WRK008", t, (d["转送服务部日期"] < d["核阅日期"]).to_numpy(dtype=bool), "转送服务部日期",
                        review=d["核阅日期"])
    yield from ctx.flag("WRK009", t, sent & not_reviewed, "转送服务部日期")


RULES = (times, daily_totals, references, review)
