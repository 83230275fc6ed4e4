"""The sheets of 总部/汇总.xlsx (§8): each workbook's rows, and the whole book assembled from them.

Sheets, in order: 总览, 服务日报汇总, 超时明细, 逾期维修, 续约提醒, 次日优先派工, 校验问题, 数据状态. Every sheet has
the result format (banner, headers in row 2, data from row 3, frozen header, autofilter, widths, real dates and
numbers) and every detail sheet a 分公司 column. The detail rows of a workbook are made once, when it is processed
(:func:`workbook_rows`; they are cached with its facts), and a build only concatenates them in branch order, so a
rebuild after one branch changed costs little more than that branch. Every count in 总览 is the number of that
branch's rows in the detail sheet, so a manager who filters the detail sheet by 分公司 finds the same number.

总览 definitions (as-of instant T; "the month" = the calendar month of T, up to T, named in the headers and the
banner as 「2026年10月」, never 「本月」: a summary opened later must still say which month it counts):

* <month>叫修: 叫修登记 rows whose 来电时间 is in the month. A/B/C类件数: the same calls by 服务类别.
* 服务费收入(元): sum of 服务费 of A calls (有费服务) whose 完成时间 is in the month and whose 服务费 cell has no
  error (so a charged C call, CAL012, is not income; B calls are paid by their contract).
* 按时到达率: of the month's calls in 派工时限 that have arrived (状态 按时 or 超时), the share 按时; blank when none
  arrived.
* 超时 — two columns, both rows of 超时明细, which holds exactly these calls: 超时未到达 = calls not reached and
  past their deadline (状态 未到达(已超时)) whatever their month: what needs action now; <month>超时到达 = the
  month's calls that arrived late (状态 超时).
* 未派工: rows of 次日优先派工. 逾期维修: rows of 逾期维修. 在修商品: rows of the branch's 在修商品 result sheet.
* 30天内到期合同: rows of 续约提醒 with 0 ≤ 剩余天数 ≤ 30 (column 30天内到期 = 是); contracts already expired are
  listed in 续约提醒 but not counted here.
* 技术员工时: sum of 合计工时 of this month's rows in 服务日报汇总 (the day totals of 服务主任日报).
* 应收未收(元) / 应收最久(天) (second table): 服务费 owed and the oldest owed invoice's age, by 收费核对's rule
  (``dispatch.receivable``); 续约率: renewed ÷ decided among contracts expiring from 365 days before T to the
  续约提醒 window ahead (``contracts.renewal_decisions``); 重要客户超期未联系: 客户维护提醒's contact reminders, on
  the 总部 row (the archive is head office's). 合计 adds amounts, takes the oldest age, pools the contracts.
* 校验错误 / 校验警告: rows of 校验问题 by 级别.
* 日报核阅(近7天): "k/n" over the rows of 服务日报汇总 dated T−6 … T (近7天 = 是): n supervisor daily reports, k of
  them signed by the manager (转报状态 已转报). Only signed days count as forwarded; the others are 待经理核阅.

A row per branch folder (even one without any readable register: zeros, and the reason in 备注 and 数据状态), then
总部, then 合计 (outside the autofilter, so sorting keeps it last). 总览 is drawn as a dashboard (:func:`_dashboard`):
the key table, a colour legend, three charts (按时到达率 against the target, A/B/C 件数 by branch, daily calls over the
last 30 days), a second table with the other figures, and two note rows saying which month the month figures are
and what 超时 and 服务费收入 count — one laptop screen, one landscape page; the data the charts read is below the
print area. Counts are links to their rows, colours are conditional formats (docs/design.md, "Head-office summary").
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import Problem, Severity, display_value
from ..registers import REGISTERS
from ..state import Record
from ..xlsx.locks import current_lock, describe_lock
from ..xlsx.sheet_xml import (
    BAD,
    FIRST_DATA_ROW,
    GOOD,
    HEADER_FILL,
    NEUTRAL,
    CellStyle,
    Link,
    ResultSheet,
    column_letter,
    wrapped_lines,
)
from ..xlsx.sheet_xml import banner as sheet_banner
from .charts import CellLink, CellRule, Chart, Dashboard, ExtraRow, Series, column_pixels, range_ref
from .facts import WorkbookFacts, WorkbookRows

OVERVIEW, DAILY, LATE, OVERDUE, RENEWALS, PRIORITY, PROBLEMS, STATUS = (
    "总览", "服务日报汇总", "超时明细", "逾期维修", "续约提醒", "次日优先派工", "校验问题", "数据状态"
)  # fmt: skip
BRANCH = "分公司"
YES, NO = "是", "否"
ERROR_ZH, WARNING_ZH = "错误", "警告"
LATE_ARRIVED, OPEN_LATE = "超时", "未到达(已超时)"
ARRIVED_STATES = ("按时", "超时")
FORWARDED, PENDING = "已转报", "待经理核阅"
ERROR_FILL, WARNING_FILL = "FFFDE2E1", "FFFFF4CE"
SENSITIVE_COLUMNS = frozenset({"地址", "电话", "传真", "邮编", "邮箱"})  # never shown: the archive is restricted
HIDDEN = "（已隐藏）"

# "{month}" stands for the month's name (month_label): the headers as written are overview_headers(T).
CALLS, OPEN_LATE_COUNT, LATE_COUNT, FEES = "{month}叫修", "超时未到达", "{month}超时到达", "服务费收入(元)"
OVERVIEW_HEADERS = (
    BRANCH, CALLS, "按时到达率", OPEN_LATE_COUNT, LATE_COUNT, "未派工", "在修商品", "逾期维修", "A类件数", "B类件数",
    "C类件数", FEES, "技术员工时", "30天内到期合同", "校验错误", "校验警告", "日报核阅(近7天)", "备注",
)  # fmt: skip
# The previous month's figures, beside the month's: "{prev}" is the previous month's name.
PREV_CALLS, PREV_FEES = "{prev}叫修", "{prev}服务费收入(元)"
PREVIOUS_HEADERS = (PREV_CALLS, PREV_FEES)
# The duties of issue 15 no other column shows: fees invoiced but not collected (第九条/第十二条), the renewal rate
# (第十九条) and important customers not contacted in time (信息 第七条(3)); in the second table only.
OWED, OWED_DAYS, RENEWAL_RATE, UNCONTACTED = "应收未收(元)", "应收最久(天)", "续约率", "重要客户超期未联系"
# ... the technicians' and supervisors' daily reports missing (第十四–十五条), the month's survey (第二条).
REPORTS_MISSING, SATISFACTION = "日报缺失", "{month}满意率"
DUTY_HEADERS = (OWED, OWED_DAYS, RENEWAL_RATE, UNCONTACTED, REPORTS_MISSING, SATISFACTION)
TABLE_HEADERS = (*OVERVIEW_HEADERS, *PREVIOUS_HEADERS, *DUTY_HEADERS)  # the columns of SummaryBook.overview

# 总览 as it is drawn: a dashboard that fits one laptop screen (about 12 columns × 30 rows at 100 %) and prints on
# one landscape page. What needs action and the month against the previous one on top (KEY_HEADERS), the charts
# under it, the remaining figures (MORE_HEADERS) in a second table below the charts, both a row per branch.
KEY_HEADERS = (BRANCH, CALLS, PREV_CALLS, "按时到达率", OPEN_LATE_COUNT, LATE_COUNT, "未派工", "逾期维修", "在修商品",
               "30天内到期合同", "校验错误", "日报核阅(近7天)")  # fmt: skip
MORE_HEADERS = (BRANCH, "A类件数", "B类件数", "C类件数", FEES, PREV_FEES, "技术员工时", "校验警告", *DUTY_HEADERS,
                "备注")  # fmt: skip
# The second table is one column wider than the key table (备注 last): the print area takes the wider of the two.
PAGE_COLUMNS = max(len(KEY_HEADERS), len(MORE_HEADERS))
KEY_WIDTHS = (13, 10, 10, 9, 12, 12, 8, 8, 11, 9, 8, 10)  # the 9th is also 应收未收(元), in the table below
# Number formats by header (both tables).
FORMATS = {"按时到达率": "0.0%", FEES: "#,##0.00", PREV_FEES: "#,##0.00", "技术员工时": "0.00", OWED: "#,##0.00",
           RENEWAL_RATE: "0.0%", SATISFACTION: "0.0%"}  # fmt: skip
OVERVIEW_FORMATS = {KEY_HEADERS.index(h): f for h, f in FORMATS.items() if h in KEY_HEADERS}
# Where a count's rows are: the detail sheet holding exactly those rows (None: the branch's own register sheet).
COUNT_SHEETS = {OPEN_LATE_COUNT: LATE, LATE_COUNT: LATE, "未派工": PRIORITY, "逾期维修": OVERDUE,
                "在修商品": None, "30天内到期合同": RENEWALS, "校验错误": PROBLEMS, "校验警告": PROBLEMS,
                "日报核阅(近7天)": DAILY}  # fmt: skip
# Counts that call for action when above 0 (red), and those that only want attention (amber).
ALARMS = (OPEN_LATE_COUNT, "逾期维修", "校验错误")
WATCH = (LATE_COUNT, "未派工", "30天内到期合同")
OVERVIEW_NOTES = (
    "说明：{month}叫修、按时到达率、{month}超时到达、A/B/C类件数、服务费收入、技术员工时均按 {month}1日至{day}日统计；"
    "超时未到达 = 超时明细中状态为「未到达(已超时)」的叫修（不论来电月份，须立即处理）；"
    "{month}超时到达 = 超时明细中状态为「超时」的叫修（来电在{month}、到达晚于时限）。",
    "服务费收入(元) = {month}内完成的 A 类（有费服务）叫修的服务费；B 类由保养合同结算、C 类免费，"
    "服务费单元格有错误的（见「校验问题」）不计入。",
)


def month_label(as_of: dt.datetime | dt.date) -> str:
    """The month 总览 counts, by name: 「2026年10月」."""
    return f"{as_of.year}年{as_of.month}月"


def previous_month(as_of: dt.datetime) -> dt.date:
    """The first day of the month before the as-of month."""
    return (as_of.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _named(header: str, as_of: dt.datetime) -> str:
    return header.format(month=month_label(as_of), prev=month_label(previous_month(as_of)))


def overview_headers(as_of: dt.datetime) -> list[str]:
    """The 总览 headers as written, the month named."""
    return [_named(h, as_of) for h in OVERVIEW_HEADERS]


@dataclass(frozen=True)
class Detail:
    """One detail sheet: its columns (分公司 first), the job result it comes from, and how it looks."""

    name: str
    columns: tuple[str, ...]
    widths: tuple[float, ...]
    empty: str
    tab: str
    source: str = ""  # job result sheet
    link: str = ""  # column linked to the source cell


DETAILS = {
    d.name: d
    for d in (
        Detail(DAILY, (BRANCH, "日期", "A件数", "A工时", "B件数", "B工时", "C件数", "C工时", "合计件数", "合计工时",
                       "经理核阅", "转报状态", "近7天"),
               (14, 11, 7, 7, 7, 7, 7, 7, 9, 9, 18, 11, 7), "没有服务主任日报", "FF4472C4", "服务主任日报"),
        Detail(LATE, (BRANCH, "登记号", "来电时间", "客户名称", "区域", "时限(工时)", "应到达时间", "到达时间", "状态",
                      "超时(工时)"),
               (14, 14, 16, 30, 6, 10, 16, 16, 14, 10), "没有超时未到达的叫修，{month}也没有超时到达的叫修",
               "FFC00000", "派工时限", "登记号"),
        Detail(OVERDUE, (BRANCH, "收据号", "登记号", "客户名称", "商品型号", "维修技术员", "带回日期", "约定完成日期",
                         "逾期天数", "处理"),
               (14, 13, 14, 30, 16, 10, 11, 12, 9, 11), "当前没有逾期未修妥的商品", "FFED7D31", "逾期维修", "收据号"),
        Detail(RENEWALS, (BRANCH, "合同编号", "客户代码", "客户名称", "到期日期", "剩余天数", "到期通知日期", "状态",
                          "30天内到期"),
               (14, 16, 10, 30, 11, 9, 12, 13, 10), "近期没有需要续约的保养合同", "FF7030A0", "续约提醒", "合同编号"),
        Detail(PRIORITY, (BRANCH, "顺序", "登记号", "来电时间", "客户名称", "区域", "应到达时间", "剩余(工时)"),
               (14, 6, 14, 16, 30, 6, 16, 10), "当前没有待派工的叫修", "FFFFC000", "次日优先派工", "登记号"),
        Detail(PROBLEMS, (BRANCH, "工作簿", "级别", "代码", "工作表", "单元格", "列", "填写内容", "问题说明", "依据条款",
                          "English"),
               (14, 30, 6, 8, 12, 8, 12, 18, 48, 22, 48), "所有工作簿均校验通过", "FFC00000"),
        Detail(STATUS, (BRANCH, "工作簿", "登记簿", "修改时间", "处理时间", "错误", "警告", "结果写回", "说明"),
               (14, 32, 16, 16, 16, 6, 6, 9, 60), "没有工作簿", "FF7F7F7F"),
    )
}  # fmt: skip
DAILY_SORT_COLUMN = 1  # 日期, newest first across branches


# ----------------------------------------------------------------------------------------- one workbook


def _values(series: pd.Series, date_only: bool = False) -> list[object]:
    """A column as plain Python values for the writer: datetime/date, int, float, str; None for blanks."""
    if series.dtype.kind == "M":
        plain = series.to_numpy().astype("datetime64[us]").astype(object)
        return [v.date() if date_only and v is not None else v for v in plain]
    if series.dtype.kind in "iub":
        return series.tolist()
    if series.dtype.kind == "f":
        return [None if v != v else v for v in series.tolist()]
    return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v for v in series.tolist()]


def month_start(as_of: dt.datetime) -> pd.Timestamp:
    return pd.Timestamp(as_of.date().replace(day=1))


def _rows(
    frame: pd.DataFrame, detail: Detail, branch: str, target: str, extra: Mapping[str, list[object]] | None = None
) -> list[list[object]]:
    """The detail rows of one result frame: 分公司, the detail's columns (its link column linked to the source
    cell in the workbook ``target``), ``extra`` columns computed by the caller."""
    columns: list[list[object]] = []
    n = len(frame)
    for col in detail.columns:
        if col == BRANCH:
            columns.append([branch] * n)
        elif extra and col in extra:
            columns.append(list(extra[col]))
        elif col == detail.link and "_cell" in frame.columns:
            cells, sheets = _values(frame["_cell"]), _values(frame["_sheet"])
            linked = [
                Link(str(v), sheet=s or None, cell=c, file=target) if v is not None and isinstance(c, str) and c else v
                for v, s, c in zip(_values(frame[col]), sheets, cells, strict=True)
            ]
            columns.append(linked)
        elif col in frame.columns:
            columns.append(_values(frame[col], date_only=col.endswith("日期") or col == "日期"))
        else:
            columns.append([None] * n)
    return [list(r) for r in zip(*columns, strict=True)]


def _value_cell(value: object) -> object:
    """The value as entered: dates and numbers as such, everything else as text (never a formula)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time | int | float) and not isinstance(value, bool):
        return value
    return str(value)


def problem_rows(
    problems: Iterable[Problem], branch: str, name: str, target: str
) -> tuple[list[list[object]], list[str | None]]:
    """校验问题 rows of one workbook, errors first; values in address/phone columns (and their echo in the
    messages) are hidden."""
    ordered = sorted(problems, key=lambda p: (p.severity != Severity.ERROR, p.sheet or "", p.row or 0, p.cell or ""))
    rows, fills = [], []
    book = Link(name, file=target)
    for p in ordered:
        value, zh, en = _value_cell(p.value), p.message("zh"), p.message("en")
        if (p.column or "") in SENSITIVE_COLUMNS and value is not None:
            for secret in {str(p.value), display_value(p.value)} - {""}:
                zh, en = zh.replace(secret, HIDDEN), en.replace(secret, HIDDEN)
            value = HIDDEN
        cell: object = Link(p.cell or p.sheet, file=target, sheet=p.sheet, cell=p.cell or "A1") if p.sheet else p.cell
        error = p.severity == Severity.ERROR
        rows.append([branch, book, ERROR_ZH if error else WARNING_ZH, p.code, p.sheet, cell, p.column, value, zh,
                     p.article or None, en])  # fmt: skip
        fills.append(ERROR_FILL if error else WARNING_FILL)
    return rows, fills


def workbook_rows(
    results: Mapping[str, pd.DataFrame],
    problems: Sequence[Problem],
    *,
    branch: str,
    name: str,
    target: str,
    as_of: dt.datetime,
) -> WorkbookRows:
    """Every detail row one workbook contributes (job ``results`` by sheet name; ``target``: the workbook's path
    relative to the summary's folder, for links)."""
    out = WorkbookRows(sheets={}, fills={})
    month, today = month_start(as_of), pd.Timestamp(as_of.date())
    deadline = results.get("派工时限")
    if deadline is not None and len(deadline):
        in_month = ((deadline["来电时间"] >= month) & (deadline["来电时间"] <= as_of)).to_numpy(dtype=bool)
        status = deadline["状态"].astype(object)
        out.arrived = int((in_month & status.isin(ARRIVED_STATES).to_numpy(dtype=bool)).sum())
        out.on_time = int((in_month & status.eq("按时").to_numpy(dtype=bool)).sum())
        # What needs action now (not reached, past the deadline, whatever the month) and the month's late arrivals.
        late = deadline[(status.eq(OPEN_LATE) | (in_month & status.eq(LATE_ARRIVED))).to_numpy(dtype=bool)]
        out.sheets[LATE] = _rows(late, DETAILS[LATE], branch, target)
    for detail in (DETAILS[OVERDUE], DETAILS[PRIORITY]):
        frame = results.get(detail.source)
        if frame is not None and len(frame):
            out.sheets[detail.name] = _rows(frame, detail, branch, target)
    renewals = results.get("续约提醒")
    if renewals is not None and len(renewals):
        soon = renewals["剩余天数"].between(0, 30).to_numpy(dtype=bool)
        extra = {"30天内到期": np.where(soon, YES, NO).tolist()}
        out.sheets[RENEWALS] = _rows(renewals, DETAILS[RENEWALS], branch, target, extra)
    report = results.get("服务主任日报")
    if report is not None and len(report):
        days = report[report["技术员"].astype(object).eq("合计").to_numpy(dtype=bool)]
        signed = days["经理核阅"].astype(str).str.startswith("已核阅").to_numpy(dtype=bool)
        recent = ((days["日期"] >= today - pd.Timedelta(days=6)) & (days["日期"] <= today)).to_numpy(dtype=bool)
        extra = {"转报状态": np.where(signed, FORWARDED, PENDING).tolist(), "近7天": np.where(recent, YES, NO).tolist()}
        out.sheets[DAILY] = _rows(days, DETAILS[DAILY], branch, target, extra)
        out.fills[DAILY] = [None if s else WARNING_FILL for s in signed.tolist()]
    in_repair = results.get("在修商品")
    out.in_repair = len(in_repair) if in_repair is not None else 0
    if problems:
        out.sheets[PROBLEMS], out.fills[PROBLEMS] = problem_rows(problems, branch, name, target)
    return out


# ------------------------------------------------------------------------------------------- the whole book


StatusRows = tuple[list[list[object]], list[str | None], dict[str, list[str]]]  # 数据状态 rows, fills, 备注


@dataclass(frozen=True)
class SummaryInput:
    root: Path
    summary_path: Path
    head_office: str
    branches: Sequence[str]  # branch folder names, in display order
    as_of: dt.datetime
    facts: Sequence[WorkbookFacts]
    records: Mapping[str, Record]  # state database rows by relative path
    stale_lock_hours: float = 12.0  # a lock older than this is named as probably stale in 数据状态
    on_time_target: float = 0.9  # 按时到达率 below it is coloured, and the chart draws it as a line
    # Lines for 数据状态 besides the workbooks (morning digest deliveries, expiry-notice letters): rows in its
    # columns, with their fill (see outbox.py).
    extra_status: Sequence[tuple[list[object], str | None]] = ()
    # The workbooks' 数据状态 as the sites computed it (a build from the store); None: from the root's own files.
    status: StatusRows | None = None


@dataclass(frozen=True)
class SummaryBook:
    sheets: list[ResultSheet]
    extra_rows: list[ExtraRow]
    charts: list[Chart]
    overview: pd.DataFrame  # the 总览 figures (branches, 总部, 合计), every column of TABLE_HEADERS
    dashboard: Dashboard | None = None  # 总览's links, conditional formats and print setup


def link_target(root: Path, summary_path: Path, rel: str) -> str:
    """A workbook's path relative to the summary's folder, with "/" (e.g. ../服务中心/叫修登记簿.xlsx)."""
    return os.path.relpath(root / rel, summary_path.parent).replace(os.sep, "/")


DELETED_SHOWN_DAYS = 30  # a workbook deleted or renamed away stays in 数据状态 this long


def write_status(record: Record, workbook: Path, stale_lock_hours: float) -> tuple[str, str]:
    """(结果写回, 说明) of a workbook whose current content the state database knows."""
    if record.written or record.code == "written":
        return "已写回", ""
    if record.code in (None, "noop") and record.reason is None:
        return "结果已是最新", "内容未变，结果表无需更新"
    if record.code == "locked":
        lock = current_lock(workbook)
        if lock is None:
            return "待写回", "文件已关闭，等待写回（由监视程序或 automation run 写回）"
        return "待写回", describe_lock(lock, workbook, stale_hours=stale_lock_hours)
    return "未写回", record.reason or record.error or ""


def _gone_rows(inp: SummaryInput, shown: set[str]) -> list[list[object]]:
    """Workbooks the state remembers that are no longer there (deleted, or renamed away) within the last days."""
    since = (inp.as_of - dt.timedelta(days=DELETED_SHOWN_DAYS)).isoformat()
    rows: list[list[object]] = []
    for key, record in inp.records.items():
        if key in shown or Path(key).is_absolute() or (inp.root / key).exists() or (record.processed or "") < since:
            continue
        branch = key.split("/")[0] if "/" in key else ""
        register = REGISTERS[record.register].name if record.register in REGISTERS else "未识别"
        seen = (record.processed or "").replace("T", " ")
        rows.append([branch, key, register, None, None, record.errors, record.warnings, "已删除或改名",
                     f"原位置已无此文件（最后处理于 {seen}）；如是改名，新文件另列一行"])
    return rows


def data_status(inp: SummaryInput) -> StatusRows:
    """数据状态: the workbooks' rows (``inp.status`` when the sites computed them, else :func:`workbook_status`),
    then the other lines (``inp.extra_status``)."""
    rows, fills, notes = inp.status if inp.status is not None else workbook_status(inp)
    # Digest deliveries and notice letters after the workbooks, in the order given (branch order by outbox.py).
    return ([*rows, *(row for row, _ in inp.extra_status)], [*fills, *(f for _, f in inp.extra_status)],
            {k: list(v) for k, v in notes.items()})  # fmt: skip


def workbook_status(inp: SummaryInput) -> StatusRows:
    """数据状态 rows: one per source workbook, per expected register that is missing and per workbook recently
    deleted or renamed away, in branch order; and 备注 per branch. Needs the root's files and state database."""
    rows: list[list[object]] = []
    notes: dict[str, list[str]] = {}
    present: dict[str, set[str]] = {}
    for f in inp.facts:
        present.setdefault(f.branch, set()).add(f.register or "")
        path = inp.root / f.path
        try:
            modified: object = dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
        except OSError:
            modified = None
        record = inp.records.get(f.path)
        if f.error_zh:
            status, note = "无法读取", f.error_zh
            notes.setdefault(f.branch, []).append(f"无法读取 {path.name}")
        elif record is not None and f.sha256 and (record.knows(f.sha256) or record.knows(f.written_sha256 or "")):
            status, note = write_status(record, path, inp.stale_lock_hours)
        else:
            status, note = "待写回", "内容已更新，结果表尚未写回（由监视程序或 automation run 写回）"
        register = REGISTERS[f.register].name if f.register in REGISTERS else "未识别"
        link = Link(f.path, file=link_target(inp.root, inp.summary_path, f.path))
        rows.append([f.branch, link, register, modified, f.processed, f.errors, f.warnings, status, note or None])
    gone = {str(r[1]): r for r in _gone_rows(inp, {f.path for f in inp.facts})}
    rows.extend(gone.values())
    for folder in [*inp.branches, inp.head_office]:
        if folder not in present and folder != inp.head_office and not (inp.root / folder).is_dir():
            continue
        at_head = folder == inp.head_office
        for register in (r for r in REGISTERS.values() if r.at_head_office == at_head):
            if register.key not in present.get(folder, set()):
                where = f"{folder}/{register.file_name}"
                notes.setdefault(folder, []).append(f"缺少{register.name}")
                if where in gone:  # one row for the file: it was deleted or renamed, and now it is missing
                    gone[where][8] = f"{gone[where][8]}；{folder}现缺少{register.name}"
                    continue
                rows.append([folder, where, register.name, None, None, 0, 0, "缺失", f"未找到{register.name}（应为 {where}）"])
    order = {b: i for i, b in enumerate([*inp.branches, inp.head_office])}
    rows.sort(key=lambda r: (order.get(str(r[0]), len(order)), str(r[1].text if isinstance(r[1], Link) else r[1])))
    fill = {"无法读取": ERROR_FILL, "缺失": ERROR_FILL, "已删除或改名": ERROR_FILL, "未写回": WARNING_FILL,
            "待写回": WARNING_FILL}
    fills = [fill.get(str(r[7])) for r in rows]
    return rows, fills, notes


def _per_branch_calls(facts: Sequence[WorkbookFacts]) -> dict[str, pd.DataFrame]:
    per_branch: dict[str, list[pd.DataFrame]] = {}
    for f in facts:
        if f.calls is not None and len(f.calls):
            per_branch.setdefault(f.branch, []).append(f.calls)
    return {b: pd.concat(fs).groupby(level=0).sum() if len(fs) > 1 else fs[0] for b, fs in per_branch.items()}


def overview(
    inp: SummaryInput, sheets: Mapping[str, list[list[object]]], notes: Mapping[str, list[str]]
) -> pd.DataFrame:
    """The 总览 table: one row per branch, then 总部 and 合计; every count from the rows of the detail sheets."""
    month, today = month_start(inp.as_of), pd.Timestamp(inp.as_of.date())
    names = [*inp.branches, inp.head_office]
    counters = {"_arrived": 0, "_on_time": 0, "_reviewed": 0, "_reports": 0, "_renewed": 0, "_decided": 0,
                OWED: 0.0, OWED_DAYS: None, UNCONTACTED: 0, REPORTS_MISSING: 0, "_satisfied": 0,
                "_surveyed": 0}  # fmt: skip
    summed = (*OVERVIEW_HEADERS[1:-2], *PREVIOUS_HEADERS)
    figures = {b: dict.fromkeys(summed, 0) | counters for b in names}
    before = pd.Timestamp(previous_month(inp.as_of))
    for f in inp.facts:
        if f.branch in figures:
            fig = figures[f.branch]
            fig["_arrived"] += f.rows_of.arrived
            fig["_on_time"] += f.rows_of.on_time
            fig["在修商品"] += f.rows_of.in_repair
            fig[OWED] += f.owed
            if f.owed_days is not None:  # the oldest owed invoice of the branch's registers
                fig[OWED_DAYS] = max(fig[OWED_DAYS] or 0, f.owed_days)
            fig["_renewed"] += f.renewed
            fig["_decided"] += f.renewal_decided
            fig[UNCONTACTED] += f.uncontacted
            fig[REPORTS_MISSING] += f.reports_missing
            fig["_satisfied"] += f.satisfied
            fig["_surveyed"] += f.surveyed
    for branch, days in _per_branch_calls(inp.facts).items():
        if branch in figures:
            this_month = days[(days.index >= month) & (days.index <= today)].sum()
            for col, src in ((CALLS, "叫修"), ("A类件数", "A"), ("B类件数", "B"), ("C类件数", "C")):
                figures[branch][col] = int(this_month[src])
            figures[branch][FEES] = float(this_month["服务费"])
            last_month = days[(days.index >= before) & (days.index < month)].sum()
            figures[branch][PREV_CALLS] = int(last_month["叫修"])
            figures[branch][PREV_FEES] = float(last_month["服务费"])

    def tally(sheet: str, column: str | None = None, wanted: object = None, what: str = "") -> None:
        j = DETAILS[sheet].columns.index(column) if column else None
        for row in sheets.get(sheet, ()):
            fig = figures.get(str(row[0]))
            if fig is not None and (j is None or row[j] == wanted):
                fig[what] += 1

    tally(LATE, "状态", OPEN_LATE, OPEN_LATE_COUNT)
    tally(LATE, "状态", LATE_ARRIVED, LATE_COUNT)
    tally(PRIORITY, what="未派工")
    tally(OVERDUE, what="逾期维修")
    tally(RENEWALS, "30天内到期", YES, "30天内到期合同")
    tally(PROBLEMS, "级别", ERROR_ZH, "校验错误")
    tally(PROBLEMS, "级别", WARNING_ZH, "校验警告")
    tally(DAILY, "近7天", YES, "_reports")
    first_day = month.date()
    for row in sheets.get(DAILY, ()):
        fig = figures.get(str(row[0]))
        if fig is None:
            continue
        if row[-1] == YES and row[-2] == FORWARDED:
            fig["_reviewed"] += 1
        if isinstance(row[1], dt.date) and first_day <= row[1] <= today.date():
            fig["技术员工时"] += row[9] or 0.0

    rows = []
    for branch in names:
        fig = figures[branch]
        row: dict[str, object] = {BRANCH: branch, **{k: fig[k] for k in summed}}
        row["按时到达率"] = fig["_on_time"] / fig["_arrived"] if fig["_arrived"] else None
        row[FEES], row[PREV_FEES] = round(float(fig[FEES]), 2), round(float(fig[PREV_FEES]), 2)
        row["技术员工时"] = round(float(fig["技术员工时"]), 2)
        row["日报核阅(近7天)"] = f"{fig['_reviewed']}/{fig['_reports']}"
        row[OWED], row[OWED_DAYS] = round(float(fig[OWED]), 2), fig[OWED_DAYS]
        row[RENEWAL_RATE] = fig["_renewed"] / fig["_decided"] if fig["_decided"] else None
        row[UNCONTACTED] = fig[UNCONTACTED]
        row[REPORTS_MISSING] = fig[REPORTS_MISSING]
        row[SATISFACTION] = fig["_satisfied"] / fig["_surveyed"] if fig["_surveyed"] else None
        row["备注"] = "；".join(notes.get(branch, []))
        rows.append(row)
    total: dict[str, object] = {BRANCH: "合计", "备注": ""}
    for col in summed:
        total[col] = sum(figures[b][col] for b in names)
    arrived, on_time = (sum(figures[b][k] for b in names) for k in ("_arrived", "_on_time"))
    total["按时到达率"] = on_time / arrived if arrived else None
    total[FEES] = round(float(total[FEES]), 2)  # type: ignore[arg-type]
    total[PREV_FEES] = round(float(total[PREV_FEES]), 2)  # type: ignore[arg-type]
    total["技术员工时"] = round(sum(float(r["技术员工时"]) for r in rows), 2)  # type: ignore[arg-type]
    reviewed, reports = (sum(figures[b][k] for b in names) for k in ("_reviewed", "_reports"))
    total["日报核阅(近7天)"] = f"{reviewed}/{reports}"
    # Pooled like 按时到达率: the amounts added, the oldest of the oldest, the rate over all decided contracts.
    total[OWED] = round(sum(float(figures[b][OWED]) for b in names), 2)
    oldest = [figures[b][OWED_DAYS] for b in names if figures[b][OWED_DAYS] is not None]
    total[OWED_DAYS] = max(oldest) if oldest else None
    renewed, decided = (sum(figures[b][k] for b in names) for k in ("_renewed", "_decided"))
    total[RENEWAL_RATE] = renewed / decided if decided else None
    total[UNCONTACTED] = sum(figures[b][UNCONTACTED] for b in names)
    total[REPORTS_MISSING] = sum(figures[b][REPORTS_MISSING] for b in names)
    satisfied, surveyed = (sum(figures[b][k] for b in names) for k in ("_satisfied", "_surveyed"))
    total[SATISFACTION] = satisfied / surveyed if surveyed else None
    table = pd.DataFrame([*rows, total], columns=list(TABLE_HEADERS))
    # Whole days stay whole numbers beside the blanks (pandas would make the column float).
    table[OWED_DAYS] = pd.Series([r[OWED_DAYS] for r in [*rows, total]], dtype=object)
    table.columns = [_named(h, inp.as_of) for h in TABLE_HEADERS]
    return table


def daily_calls(inp: SummaryInput) -> pd.DataFrame:
    """Calls per day over the last 30 days (up to the as-of day): 日期, 合计, one column per branch."""
    today = pd.Timestamp(inp.as_of.date())
    days = pd.date_range(today - pd.Timedelta(days=29), today, freq="D")
    calls = _per_branch_calls(inp.facts)
    frame = pd.DataFrame({"日期": days})
    for branch in inp.branches:
        counts = calls[branch]["叫修"] if branch in calls else pd.Series(dtype="int64")
        frame[branch] = counts.reindex(days, fill_value=0).to_numpy(dtype=np.int64)
    frame.insert(1, "合计", frame[list(inp.branches)].sum(axis=1).astype(np.int64) if inp.branches else 0)
    return frame


CHART_ROWS = 12  # the charts are 240 px high: 12 rows of 20 px
CHART_GAP_PX = 8


def _blocks(inp: SummaryInput, sheets: Mapping[str, list[list[object]]]) -> dict[str, dict[str, tuple[int, int]]]:
    """Where each branch's rows are in each detail sheet (first and last Excel row): the rows are concatenated in
    branch order, so a branch's rows are one block, found from the number each workbook contributed (no pass over
    the rows). 服务日报汇总 is sorted by day across branches: there the link shows the last 7 days' rows."""
    order = [*inp.branches, inp.head_office]
    sizes: dict[str, dict[str, int]] = {}
    for f in inp.facts:
        for name, rows in f.rows_of.sheets.items():
            per = sizes.setdefault(name, {})
            per[f.branch] = per.get(f.branch, 0) + len(rows)
    blocks: dict[str, dict[str, tuple[int, int]]] = {}
    for name, per in sizes.items():
        row, found = FIRST_DATA_ROW, {}
        for branch in [*order, *sorted(set(per) - set(order))]:
            n = per.get(branch, 0)
            if n:
                found[branch] = (row, row + n - 1)
            row += n
        blocks[name] = found
    recent = sum(1 for r in sheets.get(DAILY, ()) if r[-1] == YES)
    blocks[DAILY] = dict.fromkeys(order, (FIRST_DATA_ROW, FIRST_DATA_ROW + recent - 1)) if recent else {}
    return blocks


def _zoomed(values: Sequence[float | None], target: float) -> tuple[float, float] | None:
    """Value axis bounds for shares: from a 5 % step below the lowest (target included) to 100 %, so 81.8 % and
    84.5 % look different; None when there is nothing to show."""
    known = [v for v in values if v is not None and v == v]
    if not known:
        return None
    low = min([*known, target])
    return max(0.0, math.floor(low * 20 - 1) / 20), 1.0


def _dashboard(
    inp: SummaryInput,
    table: pd.DataFrame,
    daily: pd.DataFrame,
    sheets: Mapping[str, list[list[object]]],
    period: str,
) -> tuple[ResultSheet, list[ExtraRow], list[Chart], Dashboard]:
    """总览 as a dashboard (see KEY_HEADERS): the key table, its 合计, a colour legend, three charts, the second
    table, the notes (all within one landscape page), and below the print area the data the charts read."""
    as_of, n = inp.as_of, len(inp.branches)
    month = month_label(as_of)
    names = {h: _named(h, as_of) for h in TABLE_HEADERS}
    col = {h: j for j, h in enumerate(KEY_HEADERS)}
    more_col = {h: j for j, h in enumerate(MORE_HEADERS)}
    last_letter = column_letter(PAGE_COLUMNS - 1)
    values = {h: [None if isinstance(v, float) and v != v else v for v in table[names[h]].tolist()] for h in TABLE_HEADERS}
    units = [*[str(b) for b in values[BRANCH][:-1]], "合计"]
    first, total_row = FIRST_DATA_ROW, FIRST_DATA_ROW + len(table) - 1
    legend_row = total_row + 1
    chart_top = total_row + 2
    more_header = chart_top + CHART_ROWS + 1
    more_last = more_header + len(table)
    notes_first = more_last + 2
    notes_last = notes_first + len(OVERVIEW_NOTES) - 1

    # Links: each count to its rows (the branch's block of the detail sheet, 合计: the whole sheet); 在修商品 to the
    # branch's own 在修商品 sheet (the summary has no such detail sheet).
    blocks = _blocks(inp, sheets)
    items = {}
    for f in inp.facts:
        if f.register == "items" and not f.error_zh and f.branch not in items:
            items[f.branch] = link_target(inp.root, inp.summary_path, f.path)
    links: list[CellLink] = []

    def link(ref: str, header: str, unit: str) -> bool:
        sheet = COUNT_SHEETS[header]
        if sheet is None:
            if unit in items:
                links.append(CellLink(ref, sheet="在修商品", cell="A1", file=items[unit]))
                return True
            return False
        detail = DETAILS[sheet]
        block = blocks.get(sheet, {}).get(unit) if unit != "合计" else None
        cells = f"A{block[0]}:{column_letter(len(detail.columns) - 1)}{block[1]}" if block else f"A{FIRST_DATA_ROW}"
        links.append(CellLink(ref, sheet=sheet, cell=cells))
        return True

    styled = set()
    for i, unit in enumerate(units[:-1]):
        for header in COUNT_SHEETS:
            if header in col and link(f"{column_letter(col[header])}{first + i}", header, unit):
                styled.add(f"{column_letter(col[header])}{first + i}")

    head = CellStyle(font="bold", fill=HEADER_FILL)

    def row_cells(headers: Sequence[str], i: int, row: int, total: bool) -> list[tuple[object, CellStyle] | None]:
        cells: list[tuple[object, CellStyle] | None] = []
        for j, h in enumerate(headers):
            ref = f"{column_letter(j)}{row}"
            linked = h in COUNT_SHEETS and link(ref, h, units[i])
            look = {"font": "link" if linked else ("bold" if total else "normal")}
            if total:
                look["fill"] = HEADER_FILL
            cells.append((values[h][i], CellStyle(**look, num_format=FORMATS.get(h))))  # type: ignore[arg-type]
        return cells

    extra = [ExtraRow(total_row, row_cells(KEY_HEADERS, len(table) - 1, total_row, True))]
    target = inp.on_time_target
    legend = (f"红＝须立即处理  橙＝须关注 · 按时到达率目标 {target:.0%}（低于目标标红）· 点击数字查看明细 · "
              f"上月 = {month_label(previous_month(as_of))}")
    extra.append(ExtraRow(legend_row, [(legend, CellStyle())]))
    extra.append(ExtraRow(more_header, [(names[h], head) for h in MORE_HEADERS], height=30, wrap=True))
    for i in range(len(table)):
        extra.append(ExtraRow(more_header + 1 + i, row_cells(MORE_HEADERS, i, more_header + 1 + i, i == len(table) - 1)))
    page_width = sum(KEY_WIDTHS)
    for k, note in enumerate(OVERVIEW_NOTES):
        text = note.format(month=month, day=as_of.day)
        height = (wrapped_lines(text, page_width) + 1) * 15  # a line spare: fonts differ from program to program
        extra.append(ExtraRow(notes_first + k, [(text, CellStyle())], height=height, wrap=True))

    # Below the print area: what the charts read (the daily calls, and the target per branch for its line).
    data_title = notes_last + 3
    header = data_title + 1
    extra.append(ExtraRow(data_title, [(f"近 {len(daily)} 天每日叫修（图表数据）", CellStyle(font="bold"))]))
    extra.append(ExtraRow(header, [(str(h), head) for h in daily.columns]))
    for i, day in enumerate(daily.itertuples(index=False)):
        cells: list[tuple[object, CellStyle] | None] = [(day[0].date(), CellStyle(num_format="yyyy-mm-dd"))]
        extra.append(ExtraRow(header + 1 + i, cells + [(int(v), CellStyle()) for v in day[1:]]))
    last = header + len(daily)
    target_header = last + 2
    extra.append(ExtraRow(target_header, [(BRANCH, head), ("按时到达率目标", head)]))
    for i in range(n):
        extra.append(ExtraRow(target_header + 1 + i, [(units[i], CellStyle()), (target, CellStyle(num_format="0%"))]))

    # Conditional formats (the 合计 row included): red needs action, amber attention, 按时到达率 against the target.
    def span(j: int, top: int, bottom: int) -> str:
        return f"{column_letter(j)}{top}:{column_letter(j)}{bottom}"

    rate = f"{column_letter(col['按时到达率'])}{first}"
    rules = [CellRule(span(col["按时到达率"], first, total_row), f"AND(ISNUMBER({rate}),{rate}<{target!r})", BAD),
             CellRule(span(col["按时到达率"], first, total_row), f"AND(ISNUMBER({rate}),{rate}>={target!r})", GOOD)]
    for headers, looks in ((ALARMS, BAD), (WATCH, NEUTRAL)):
        for h in headers:
            cell = f"{column_letter(col[h])}{first}"
            rules.append(CellRule(span(col[h], first, total_row), f"AND(ISNUMBER({cell}),{cell}>0)", looks))
    for h in ("校验警告", OWED, UNCONTACTED):  # amber: wants attention (money to collect, customers to call)
        cell = f"{column_letter(more_col[h])}{more_header + 1}"
        rules.append(CellRule(span(more_col[h], more_header + 1, more_last), f"AND(ISNUMBER({cell}),{cell}>0)",
                              NEUTRAL))  # fmt: skip

    # Charts side by side across the table's width, anchored inside the print area.
    edges = [0]
    for w in KEY_WIDTHS:
        edges.append(edges[-1] + column_pixels(w))
    width = (edges[-1] - 2 * CHART_GAP_PX) // 3
    size = (width, CHART_ROWS * 20)

    def place(k: int) -> tuple[int, int]:  # (column, offset in px) of the k-th chart's left edge
        x = k * (width + CHART_GAP_PX)
        j = max(i for i, e in enumerate(edges[:-1]) if e <= x)
        return j, x - edges[j]

    charts = []
    top = chart_top - 1
    if n:
        categories = range_ref(OVERVIEW, 0, first, first + n - 1)
        rates = [None if v is None else float(v) for v in values["按时到达率"][:n]]  # type: ignore[arg-type]
        on_time = Series("按时到达率", range_ref(OVERVIEW, col["按时到达率"], 2),
                         range_ref(OVERVIEW, col["按时到达率"], first, first + n - 1), rates)  # fmt: skip
        goal = Series("按时到达率目标", range_ref(OVERVIEW, 1, target_header),
                      range_ref(OVERVIEW, 1, target_header + 1, target_header + n), [target] * n)  # fmt: skip
        j, off = place(0)
        charts.append(Chart("bar", f"{month}按时到达率（目标 {target:.0%}）", categories, units[:n], [on_time],
                            (j, top), value_format="0%", size_px=size, offset_px=off, label_format="0.0%",
                            bounds=_zoomed(rates, target), target=goal))  # fmt: skip
        abc = []
        for c in "ABC":
            h = f"{c}类件数"
            abc.append(Series(h, range_ref(OVERVIEW, more_col[h], more_header),
                              range_ref(OVERVIEW, more_col[h], more_header + 1, more_header + n),
                              [float(v) for v in values[h][:n]]))  # type: ignore[arg-type]
        abc_categories = range_ref(OVERVIEW, 0, more_header + 1, more_header + n)
        j, off = place(1)
        charts.append(Chart("stacked", f"{month} A/B/C 类叫修", abc_categories, units[:n], abc, (j, top),
                            size_px=size, offset_px=off, label_format="0;-0;;@"))  # fmt: skip
    totals = Series("合计", range_ref(OVERVIEW, 1, header), range_ref(OVERVIEW, 1, header + 1, last),
                    [float(v) for v in daily["合计"]])  # fmt: skip
    j, off = place(2 if n else 0)
    charts.append(Chart("line", f"近 {len(daily)} 天每日叫修（全部）", range_ref(OVERVIEW, 0, header + 1, last),
                        [d.date() for d in daily["日期"]], [totals], (j, top), size_px=size, offset_px=off,
                        category_format="m-d", labels="ends"))  # fmt: skip

    body = [[values[h][i] for h in KEY_HEADERS] for i in range(len(table) - 1)]
    sheet = ResultSheet(OVERVIEW, [names[h] for h in KEY_HEADERS], body, period, "没有分公司", widths=KEY_WIDTHS,
                        tab_color="FF00B050", number_formats=OVERVIEW_FORMATS, orientation="landscape",
                        print_titles=False)  # fmt: skip
    merges = [f"A{legend_row}:{last_letter}{legend_row}"]
    merges += [f"A{r}:{last_letter}{r}" for r in range(notes_first, notes_last + 1)]
    dashboard = Dashboard(links=links, link_styled=frozenset(styled), rules=rules, header_height=30, merges=merges,
                          print_area=f"A1:{last_letter}{notes_last}")  # fmt: skip
    return sheet, extra, charts, dashboard


def summary_book(inp: SummaryInput) -> SummaryBook:
    """Every sheet of the summary, plus 总览's extra rows and charts."""
    banner = sheet_banner(inp.as_of)
    order = {b: i for i, b in enumerate([*inp.branches, inp.head_office])}
    ordered = sorted(inp.facts, key=lambda f: (order.get(f.branch, len(order)), f.path))
    sheets: dict[str, list[list[object]]] = {}
    fills: dict[str, list[str | None]] = {}
    for name in (DAILY, LATE, OVERDUE, RENEWALS, PRIORITY, PROBLEMS):
        sheets[name] = [r for f in ordered for r in f.rows_of.sheets.get(name, ())]
        if name in (DAILY, PROBLEMS):
            fills[name] = [c for f in ordered for c in f.rows_of.fills.get(name, ())]
    if sheets[DAILY]:  # newest day first across branches (branch order within a day)

        def newest_first(pair: tuple[list[object], str | None]) -> tuple[int, int]:
            row = pair[0]
            return -row[DAILY_SORT_COLUMN].toordinal(), order.get(str(row[0]), len(order))  # type: ignore[attr-defined]

        pairs = sorted(zip(sheets[DAILY], fills[DAILY], strict=True), key=newest_first)
        sheets[DAILY], fills[DAILY] = [p[0] for p in pairs], [p[1] for p in pairs]
    sheets[STATUS], fills[STATUS], notes = data_status(inp)
    table = overview(inp, sheets, notes)
    daily = daily_calls(inp)

    month = month_label(inp.as_of)
    period = (f"{banner} · 统计月份：{month}（{inp.as_of.month}月1日至{inp.as_of.day}日）"
              f" · 上月：{month_label(previous_month(inp.as_of))}")
    first, extra, charts, dashboard = _dashboard(inp, table, daily, sheets, period)
    result = [first]
    for name in (DAILY, LATE, OVERDUE, RENEWALS, PRIORITY, PROBLEMS, STATUS):
        d = DETAILS[name]
        result.append(ResultSheet(d.name, list(d.columns), sheets[name], banner, d.empty.format(month=month),
                                  widths=d.widths, tab_color=d.tab, row_fills=fills.get(name)))  # fmt: skip
    return SummaryBook(sheets=result, extra_rows=extra, charts=charts, overview=table, dashboard=dashboard)


__all__ = [
    "DETAILS",
    "OVERVIEW_HEADERS",
    "SummaryBook",
    "SummaryInput",
    "WorkbookRows",
    "link_target",
    "month_label",
    "overview_headers",
    "summary_book",
    "workbook_rows",
]
