"""What the morning digest of a branch says: its sections, computed from the very jobs that write the result sheets.

Each branch's registers are read and run through :func:`automation.pipeline.check_workbook` — the same validation
context, working calendar and job functions as ``run`` and the watcher — and the digest takes its rows from those
results; nothing here computes a deadline, an overdue day or a renewal window of its own:

* 次日优先派工 (售后 第十七条): the rows of that sheet, earliest deadline first.
* 已超时未到达 and 一小时内将超时 (第十八条): rows of 派工时限 whose 状态 is 未到达(已超时), and those 未到达(未超时)
  with at most 60 working minutes left before 应到达时间 (the calendar's working-time count, as 剩余 is counted).
* 逾期维修 (第十三条): the rows of that sheet.
* 本周需寄续约通知 (第十九条): 续约提醒 rows whose 状态 is 需寄通知 as of now or as of the end of this week (the job
  run again with that as-of), with 剩余天数 counted from today.
* 昨日工作日报 (第十四条, 第十六条): for the previous working day, the branch's technicians (基础资料/员工: 岗位
  技术员, 所属单位 this branch, in service that day) without a 工作日报 row, and the day's 经理核阅 when it is not
  已核阅 — both read from 服务主任日报. Only where recorded: without a worklog register or a staff list the section
  says so instead.

Every citation comes from :mod:`automation.registers.articles` (:data:`CITATIONS`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..calendar import WorkCalendar
from ..deployment import Deployment, LoadedWorkbook
from ..jobs import ResultTable, make_calendar
from ..jobs.contracts import RENEWALS, TO_NOTIFY
from ..jobs.daily import REPORT, TOTAL
from ..jobs.dispatch import DEADLINES, OPEN_LATE, OPEN_OK, PRIORITY
from ..jobs.workshop import OVERDUE_REPAIRS
from ..pipeline import check_workbook
from ..registers import articles as a
from ..settings import Settings

# Section keys, in the order a digest shows them.
PRIORITY_KEY, LATE_KEY, SOON_KEY, OVERDUE_KEY, RENEWAL_KEY, REPORTS_KEY, REVIEW_KEY = (
    "priority", "late", "soon", "overdue", "renewal", "reports", "review")
ALL_SECTIONS = (PRIORITY_KEY, LATE_KEY, SOON_KEY, OVERDUE_KEY, RENEWAL_KEY, REPORTS_KEY, REVIEW_KEY)

CITATIONS: dict[str, str] = {
    PRIORITY_KEY: a.SVC_PRIORITY,
    LATE_KEY: a.SVC_DEADLINE,
    SOON_KEY: a.SVC_DEADLINE,
    OVERDUE_KEY: a.SVC_OVERDUE,
    RENEWAL_KEY: a.SVC_RENEWAL,
    REPORTS_KEY: a.SVC_DAILY_REPORT,
    REVIEW_KEY: a.SVC_REVIEW,
    "privacy": a.INFO_ACCESS,  # why group messages carry no customer phone or address
}
SOON_MINUTES = 60  # "within the next working hour"
PRIVATE_COLUMNS = frozenset({"地址", "电话"})  # 客户信息管理办法 第六条: never in group messages


@dataclass
class Section:
    """One part of a digest: a titled table with the article behind it and where staff find the full list."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    where: list[str] = field(default_factory=list)  # 服务中心/叫修登记簿.xlsx「次日优先派工」
    note: str | None = None  # why the section could not be worked out (no register, no staff list)
    empty: str = "无"

    @property
    def article(self) -> str:
        return CITATIONS[self.key]

    def columns(self, public: bool) -> list[int]:
        """Indexes of the headers shown; ``public`` (group messages) leaves out customer phone and address."""
        return [i for i, h in enumerate(self.headers) if not (public and h in PRIVATE_COLUMNS)]


@dataclass
class BranchDigest:
    branch: str
    day: dt.date
    as_of: dt.datetime
    report_day: dt.date | None  # the previous working day, whose daily reports are checked
    sections: list[Section]
    unreadable: list[str] = field(default_factory=list)  # workbooks that could not be read (the digest lacks them)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def title(self) -> str:
        return f"{self.branch} 售后晨报 {self.day:%Y-%m-%d}（{'一二三四五六日'[self.day.weekday()]}）"

    def counts(self, keys: Sequence[str] = ALL_SECTIONS) -> str:
        """「待派工 3 · 已超时 2 · …」 for the sections in ``keys`` (subject lines, message headers)."""
        short = {PRIORITY_KEY: "待派工", LATE_KEY: "已超时", SOON_KEY: "1小时内将超时", OVERDUE_KEY: "逾期维修",
                 RENEWAL_KEY: "需寄续约通知", REPORTS_KEY: "缺日报", REVIEW_KEY: "日报待核阅"}
        return " · ".join(f"{short[s.key]} {len(s.rows)}" for s in self.sections if s.key in keys)


# ----------------------------------------------------------------------------------------------- values


def text(value: object, *, date_only: bool = False) -> str:
    """A result cell as a digest shows it: dates 2026-11-30, instants 11-30 14:05, hours with two decimals."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return ""
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}" if date_only else f"{value:%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else f"{value:.2f}"
    return str(value)


def _rows(frame: pd.DataFrame, headers: Sequence[str], dates: Sequence[str] = ()) -> list[tuple[str, ...]]:
    if frame.empty:
        return []
    cols = [[text(v, date_only=h in dates or h.endswith("日期")) for v in frame[h].tolist()] for h in headers]
    return [tuple(r) for r in zip(*cols, strict=True)]


# ----------------------------------------------------------------------------------------------- jobs


@dataclass
class _Results:
    """The job results of one branch, by result sheet name, each with the workbooks that produced them."""

    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    where: dict[str, list[str]] = field(default_factory=dict)
    registers: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)

    def add(self, loaded: LoadedWorkbook, results: Sequence[ResultTable]) -> None:
        assert loaded.register is not None
        self.registers.add(loaded.register.key)
        for result in results:
            self.tables.setdefault(result.name, []).append(result.frame)
            self.where.setdefault(result.name, []).append(f"{loaded.source.name}「{result.name}」")

    def frame(self, name: str) -> pd.DataFrame:
        frames = [f for f in self.tables.get(name, []) if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


WANTED = ("callins", "items", "contracts", "worklog")


def _branch_results(deployment: Deployment, folder: Path, keys: Sequence[str] = WANTED) -> _Results:
    out = _Results()
    for loaded in deployment.folder(folder):
        if loaded.error is not None:
            out.unreadable.append(loaded.source.name)
            continue
        if loaded.register is None or loaded.register.key not in keys:
            continue
        out.add(loaded, check_workbook(deployment, loaded).results)
    return out


def root_calendar(deployment: Deployment) -> WorkCalendar:
    """The deployment's working calendar, built as the jobs build it (settings plus 基础资料/节假日调整)."""
    lookups = deployment.lookups(deployment.head_office)
    return make_calendar(deployment.settings, lookups.calendar_overrides, lookups.calendar_complete_years)


def previous_working_day(day: dt.date, calendar: WorkCalendar) -> dt.date | None:
    for back in range(1, 40):
        candidate = day - dt.timedelta(days=back)
        if calendar.is_working_day(candidate):
            return candidate
    return None


# ----------------------------------------------------------------------------------------------- sections


def _missing(name: str, register: str) -> str:
    return f"本分公司没有{register}，无从列出{name}"


def _priority(res: _Results) -> Section:
    headers = ("顺序", "登记号", "来电时间", "客户名称", "地址", "电话", "区域", "应到达时间", "剩余(工时)")
    section = Section(PRIORITY_KEY, "次日优先派工", headers, where=res.where.get(PRIORITY.name, []),
                      empty="没有待派工的叫修")
    frame = res.frame(PRIORITY.name)
    if "callins" not in res.registers:
        section.note = _missing("待派工叫修", "叫修登记簿")
    elif not frame.empty:
        # Several call-in workbooks in one folder: one list, earliest deadline first, numbered again.
        frame = frame.sort_values(["应到达时间", "来电时间", "登记号"], kind="stable", na_position="last")
        frame["顺序"] = np.arange(1, len(frame) + 1)
        section.rows = _rows(frame, headers)
    return section


def _deadlines(res: _Results, calendar: WorkCalendar, now: dt.datetime) -> tuple[Section, Section]:
    where = res.where.get(DEADLINES.name, [])
    late = Section(LATE_KEY, "已超时未到达", ("登记号", "来电时间", "客户名称", "区域", "应到达时间", "超时(工时)"),
                   where=where, empty="没有超时未到达的叫修")
    soon = Section(SOON_KEY, "一小时内将超时", ("登记号", "来电时间", "客户名称", "区域", "应到达时间", "剩余(工时)"),
                   where=where, empty="没有一小时内将超时的叫修")
    frame = res.frame(DEADLINES.name)
    if "callins" not in res.registers:
        late.note = soon.note = _missing("派工时限", "叫修登记簿")
        return late, soon
    if frame.empty:
        return late, soon
    overdue = frame[frame["状态"] == OPEN_LATE].sort_values(["应到达时间"], kind="stable")
    late.rows = _rows(overdue, late.headers)
    waiting = frame[frame["状态"] == OPEN_OK].copy()
    if len(waiting):
        due = waiting["应到达时间"].to_numpy().astype("datetime64[m]")
        start = np.full(len(due), np.datetime64(now.replace(second=0, microsecond=0), "m"))
        left = calendar.working_minutes_between(start, due)
        waiting["剩余(工时)"] = np.round(np.asarray(left, dtype=np.float64) / 60.0, 2)
        waiting = waiting[np.asarray(left) <= SOON_MINUTES].sort_values(["应到达时间"], kind="stable")
        soon.rows = _rows(waiting, soon.headers)
    return late, soon


def _overdue(res: _Results) -> Section:
    headers = ("收据号", "登记号", "客户名称", "商品型号", "维修技术员", "约定完成日期", "逾期天数")
    section = Section(OVERDUE_KEY, "逾期维修（报服务主任处理）", headers, where=res.where.get(OVERDUE_REPAIRS.name, []),
                      empty="没有逾期未修妥的商品")
    if "items" not in res.registers:
        section.note = _missing("逾期维修", "客户商品进出登记簿")
    else:
        frame = res.frame(OVERDUE_REPAIRS.name)
        if not frame.empty:
            section.rows = _rows(frame.sort_values("逾期天数", ascending=False, kind="stable"), headers)
    return section


def _renewals(res: _Results, week_end: _Results | None, today: dt.date) -> Section:
    headers = ("合同编号", "客户代码", "客户名称", "到期日期", "剩余天数", "状态")
    section = Section(RENEWAL_KEY, "本周需寄续约通知", headers, where=res.where.get(RENEWALS.name, []),
                      empty="本周没有需要寄出的续约通知")
    if "contracts" not in res.registers:
        section.note = _missing("续约提醒", "保养合同")
        return section
    frames = [res.frame(RENEWALS.name), week_end.frame(RENEWALS.name) if week_end else pd.DataFrame()]
    frames = [f[f["状态"] == TO_NOTIFY] for f in frames if not f.empty]
    if frames:
        frame = pd.concat(frames, ignore_index=True).drop_duplicates("合同编号", keep="first")
        expiry = pd.to_datetime(frame["到期日期"])
        frame["剩余天数"] = (expiry - pd.Timestamp(today)).dt.days.astype("Int64")
        section.rows = _rows(frame.sort_values("到期日期", kind="stable"), headers)
    return section


def _branch_technicians(deployment: Deployment, branch: str, day: dt.date) -> list[str] | None:
    """姓名 of the branch's technicians in service on ``day``; None without a staff list."""
    tables = deployment.register_tables(deployment.head_office, "master", "员工")
    if not tables:
        return None
    names: list[str] = []
    for table in tables:
        data = table.data
        in_service = data["在职状态"].eq("在职") | (pd.to_datetime(data["离职日期"]) >= pd.Timestamp(day))
        mine = data["岗位"].eq("技术员") & data["所属单位"].eq(branch) & in_service & data["姓名"].notna()
        names.extend(n for n in data.loc[mine, "姓名"].tolist() if n not in names)
    return names


def _daily(deployment: Deployment, res: _Results, branch: str, day: dt.date | None) -> tuple[Section, Section]:
    where = res.where.get(REPORT.name, [])
    reports = Section(REPORTS_KEY, "昨日未交工作日报", ("日期", "技术员"), where=where, empty="技术员均已填写工作日报")
    review = Section(REVIEW_KEY, "昨日服务主任日报待经理核阅", ("日期", "经理核阅"), where=where,
                     empty="昨日服务主任日报已核阅")
    if day is None:
        reports.note = review.note = "找不到上一个工作日"
        return reports, review
    reports.title = f"{day:%m-%d} 未交工作日报"
    review.title = f"{day:%m-%d} 服务主任日报待经理核阅"
    if "worklog" not in res.registers:
        reports.note = review.note = _missing("工作日报", "技术员工作日报表")
        return reports, review
    frame = res.frame(REPORT.name)
    that_day = frame[pd.to_datetime(frame["日期"]) == pd.Timestamp(day)] if not frame.empty else frame
    staff = _branch_technicians(deployment, branch, day)
    if staff is None:
        reports.note = "基础资料中没有员工名单，无从核对谁未交日报"
    else:
        filed = set(that_day["技术员"].tolist()) if not that_day.empty else set()
        reports.rows = [(f"{day:%Y-%m-%d}", name) for name in staff if name not in filed]
    status = that_day[that_day["技术员"] == TOTAL]["经理核阅"].tolist() if not that_day.empty else []
    state = status[0] if status else "无工作日报"
    if not str(state).startswith("已核阅"):
        review.rows = [(f"{day:%Y-%m-%d}", str(state))]
    return reports, review


# ----------------------------------------------------------------------------------------------- the digest


def week_end(day: dt.date) -> dt.datetime:
    """The last minute of the week (Sunday 23:59) that ``day`` belongs to."""
    sunday = day + dt.timedelta(days=6 - day.weekday())
    return dt.datetime.combine(sunday, dt.time(23, 59))


def branch_digest(deployment: Deployment, later: Deployment | None, branch: str, calendar: WorkCalendar) -> BranchDigest:
    """The digest of one branch as of ``deployment.as_of``; ``later`` is the same root as of the end of the week
    (for contracts entering their notice window this week)."""
    now = deployment.as_of
    folder = deployment.root / branch
    res = _branch_results(deployment, folder)
    later_res = _branch_results(later, folder, ("contracts",)) if later is not None else None
    report_day = previous_working_day(now.date(), calendar)
    late, soon = _deadlines(res, calendar, now)
    reports, review = _daily(deployment, res, branch, report_day)
    sections = [_priority(res), late, soon, _overdue(res), _renewals(res, later_res, now.date()), reports, review]
    return BranchDigest(branch, now.date(), now, report_day, sections, unreadable=res.unreadable)


def has_registers(root: Path, branch: str, settings: Settings) -> bool:
    """Whether a branch folder holds any workbook at all (an empty or foreign folder gets no digest)."""
    from ..root import is_ignored

    folder = root / branch
    try:
        return any(p.is_file() and not is_ignored(p, settings, root) for p in folder.iterdir())
    except OSError:
        return False


__all__ = ["ALL_SECTIONS", "CITATIONS", "BranchDigest", "Section", "branch_digest", "previous_working_day",
           "root_calendar", "week_end"]
