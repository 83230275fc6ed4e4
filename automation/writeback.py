"""Writing results back into a register (§6, §7): the 校验结果 sheet and the job sheets, safely.

The sheets are added by editing the xlsx package (:mod:`automation.xlsx.package`), and the file is replaced only
through :func:`automation.xlsx.safe_write.safe_replace`: never while a lock file is present, never over a save made
while we were computing (then the results are computed again from the new content), and with the previous version
kept under ``.automation/history/``. A legacy ``.xls`` gets its results in a sidecar ``<name>.结果.xlsx``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem, Severity
from .root import STATE_DIR, unit_folders
from .xlsx.locks import Lock
from .xlsx.package import PackageError, new_result_workbook, result_banners, sidecar_path, write_result_sheets
from .xlsx.safe_write import (
    RETRYABLE,
    WORK_PREFIX,
    WriteBackError,
    abandoned,
    io_error,
    is_temp_file,
    recover_leftover,
    safe_replace,
    write_file_atomically,
)
from .xlsx.sheet_xml import STAMP_RE, THIS_SHEET, Link, ResultSheet, banner

CHECK_SHEET = "校验结果"
ERROR_FILL, WARNING_FILL = "FFFDE2E1", "FFFFF4CE"
CHECK_HEADERS = ("序号", "级别", "代码", "工作表", "单元格", "列", "填写内容", "问题说明", "依据条款", "English")
CHECK_WIDTHS = (6, 6, 8, 12, 9, 14, 20, 48, 22, 48)
CHECK_WRAP = ("填写内容", "问题说明", "依据条款")
# Kinds listed one by one in the summary block; the rest are counted in one line (the table lists them all).
SUMMARY_KINDS = 15
SUMMARY_WIDTHS = (8, 12, 14, 9, 40)  # the block beside 校验结果's table
CHECK_NOTES = {
    "级别": "错误：违反制度或无法读取，须改正；警告：请核实，确有其事可不改。",
    "代码": "问题代码；每个代码的规则与依据见 docs/rules.md。",
    "单元格": "点击跳到出问题的单元格。",
    "问题说明": "「另有 N 处同类问题」一行代表同一列的同类问题，其余位置按代码和列在表上方汇总。",
    "依据条款": "要求此项的制度条款；无条款的为格式或设置要求。",
}


def check_sheet(
    problems: Sequence[Problem],
    *,
    rows_checked: int,
    as_of: dt.datetime,
    sheet_names: Sequence[str],
    notes: Sequence[str] = (),
) -> ResultSheet:
    """校验结果: one row per problem, errors first, each linked to its cell (when the sheet exists); right of the
    table a summary block (rows checked, findings by code and by column, each linking to its first row in the
    table). The messages wrap, with row heights that show them; the English column is there but hidden.

    The table keeps §6's layout (banner in row 1, headers in row 2, one problem a row from row 3), so programs that
    read 校验结果 find it where the spec says; the block sits beside it, one empty column to the right."""
    ordered = sorted(problems, key=lambda p: (p.severity != Severity.ERROR, p.sheet or "", p.row or 0, p.cell or ""))
    rows, fills = [], []
    for n, p in enumerate(ordered, 1):
        target = p.cell if p.cell else "A1"
        where: object = p.cell or ""
        if p.sheet and p.sheet in sheet_names:
            where = Link(text=p.cell or p.sheet, sheet=p.sheet, cell=target)
        rows.append(
            [n, "错误" if p.severity == Severity.ERROR else "警告", p.code, p.sheet or "", where, p.column or "",
             _as_text(p.value), p.message("zh"), p.article, p.message("en")]
        )
        fills.append(ERROR_FILL if p.severity == Severity.ERROR else WARNING_FILL)
    side, bold = summary_block(ordered, rows_checked) if ordered else ([], [])
    if notes:  # below the block (or alone): notes are not problems and are not counted
        if side:
            side.append([])
        bold.append(len(side))
        side += [["提示"], *([text] for text in notes)]
    return ResultSheet(
        name=CHECK_SHEET,
        headers=CHECK_HEADERS,
        rows=rows,
        banner=banner(as_of),
        empty_message=f"校验通过：共检查 {rows_checked} 行，未发现问题",
        widths=CHECK_WIDTHS,
        tab_color="FFC00000" if any(p.severity == Severity.ERROR for p in problems) else "FF00B050",
        row_fills=fills,
        wrap=CHECK_WRAP,
        hidden=("English",),
        notes=CHECK_NOTES,
        side=side,
        side_bold=bold,
        side_widths=SUMMARY_WIDTHS,
    )


def summary_block(ordered: Sequence[Problem], rows_checked: int) -> tuple[list[list[object]], list[int]]:
    """The block beside 校验结果's table for ``ordered`` problems (in table order), and which of its rows are bold.

    Counts are findings (a 「另有 N 处」 row counts N), so they add up to the workbook's error and warning counts.
    A link goes to the first table row of its kind (the table's first row is row 3)."""
    errors = sum(p.findings for p in ordered if p.severity == Severity.ERROR)
    warnings = sum(p.findings for p in ordered if p.severity != Severity.ERROR)
    by_code: dict[str, list[int]] = {}  # code -> [findings, first index, error?]
    by_column: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(ordered):
        for key, table in ((p.code, by_code), ((p.sheet or "", p.column or ""), by_column)):
            entry = table.setdefault(key, [0, i, 0])  # type: ignore[arg-type]
            entry[0] += p.findings
            entry[2] |= p.severity == Severity.ERROR
    codes = sorted(by_code.items(), key=lambda kv: (-kv[1][2], -kv[1][0], kv[0]))
    columns = sorted(by_column.items(), key=lambda kv: (-kv[1][2], -kv[1][0], kv[0]))

    def first(index: int) -> Link:
        return Link(f"第 {index + 1} 条", sheet=THIS_SHEET, cell=f"A{3 + index}")

    def level(is_error: int) -> str:
        return "错误" if is_error else "警告"

    block: list[list[object]] = [
        [f"共检查 {rows_checked} 行：错误 {errors} 处，警告 {warnings} 处（{len(codes)} 种问题，涉及 {len(columns)} 列）"],
        ["按问题代码（点「首个」跳到左表中该类的第一条）"],
        ["级别", "代码", "处数", "首个", "问题说明（首个）"],
    ]
    bold = [0, 1, 2]
    for code, (count, index, is_error) in codes[:SUMMARY_KINDS]:
        block.append([level(is_error), code, count, first(index), ordered[index].message_zh])
    if len(codes) > SUMMARY_KINDS:
        block.append([None, None, None, None, f"另有 {len(codes) - SUMMARY_KINDS} 种问题，见左表"])
    block.append([])
    bold.extend((len(block), len(block) + 1))
    block.append(["按列"])
    block.append(["级别", "工作表", "列", "处数", "首个"])
    for (sheet, column), (count, index, is_error) in columns[:SUMMARY_KINDS]:
        block.append([level(is_error), sheet or None, column or "（整表）", count, first(index)])
    if len(columns) > SUMMARY_KINDS:
        block.append([None, None, None, None, f"另有 {len(columns) - SUMMARY_KINDS} 列有问题，见左表"])
    return block, bold


def _as_text(value: object) -> object:
    """The value as entered, written as text (never a formula); dates as dates."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date | dt.time | int | float) and not isinstance(value, bool):
        return value
    return str(value)


@dataclass(frozen=True)
class WriteResult:
    """What became of one write-back. ``code``: "written", "noop" (results already current), "locked",
    "read_only", "owner", "changed", "package" (the package cannot take result sheets), or a WriteBackError code
    ("vanished", "permission", "disk_full", "busy", "share", "io")."""

    written: bool
    reason: str | None = None  # zh, for people
    reason_en: str | None = None
    target: Path | None = None
    sha256: str | None = None  # of what we wrote, so the watcher can ignore its own save
    code: str = "written"
    lock: Lock | None = None  # the lock file, for code "locked"

    @property
    def retryable(self) -> bool:
        """Worth trying again later without a new save: disk, permission, share or other I/O trouble."""
        return self.code in RETRYABLE


def history_dir(root: Path, path: Path) -> Path:
    """Where earlier versions of a workbook are kept: .automation/history/<folder relative to the root>."""
    try:
        rel = path.parent.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path(path.parent.name)
    return root / STATE_DIR / "history" / rel


def work_dir(root: Path) -> Path:
    """Temporary files of files the product owns entirely (summary, sidecars): .automation/tmp."""
    return root / STATE_DIR / "tmp"


def write_results(
    path: Path,
    root: Path,
    compute: Callable[[bytes | None], Sequence[ResultSheet]],
    *,
    history_keep: int,
    stale_lock_hours: float = 12.0,
    keep_if_timeless: bool = False,
) -> WriteResult:
    """Write the result sheets into ``path`` (or its sidecar for .xls).

    ``compute(data)`` returns the sheets; it is called again with the new content when the file changed between
    reading and replacing (``data`` is the content about to be edited, or None for a sidecar).
    ``keep_if_timeless``: results that differ from those in the file only by 计算时间 are not written (outcome
    "noop"). Asked for content seen before, where only time can have changed the results; a new save is written
    without this comparison, which costs a second rendering of the sheets.
    """
    try:
        if path.suffix.lower() == ".xls":
            target = sidecar_path(path)
            data = new_result_workbook(list(compute(None)))
            write_file_atomically(target, data, work_dir(root))
            return WriteResult(True, target=target, sha256=hashlib.sha256(data).hexdigest())
        outcome = safe_replace(
            path,
            lambda data: _results_in(data, list(compute(data)), keep_if_timeless),
            history_dir=history_dir(root, path),
            history_keep=history_keep,
            stale_lock_hours=stale_lock_hours,
        )
    except PackageError as exc:
        return WriteResult(False, f"无法写回：{exc.zh}", f"cannot write back: {exc.en}", code="package")
    except WriteBackError as exc:
        return WriteResult(False, exc.message("zh"), exc.message("en"), code=exc.code)
    except OSError as exc:
        error = io_error(exc, path)
        return WriteResult(False, error.message("zh"), error.message("en"), code=error.code)
    sha = outcome.fingerprint.sha256 if outcome.fingerprint else None
    return WriteResult(outcome.written, outcome.reason, outcome.reason_en, target=path, sha256=sha, code=outcome.code,
                       lock=outcome.lock)


def _results_in(data: bytes, sheets: list[ResultSheet], keep_if_timeless: bool) -> bytes | None:
    """``data`` with ``sheets`` as its result sheets; None when they are the results already there, or (with
    ``keep_if_timeless``) those results computed again at a later time (only 计算时间 differs).

    Why: time-dependent results are recomputed on a schedule (:mod:`automation.refresh`) while the workbook stays
    as it was. Writing it again just to move its 计算时间 would replace it (and add a history copy, pushing out the
    staff's own earlier versions) every hour for nothing; so 计算时间 says when these results were computed, and
    the file changes only when a figure does."""
    new = write_result_sheets(data, sheets)
    if new == data:
        return None
    if not keep_if_timeless:
        return new
    earlier = {m.group(0) for text in result_banners(data).values() if (m := STAMP_RE.search(text))}
    if len(earlier) != 1:
        return new  # no results of ours yet, or not all from one write: nothing to compare with
    before = earlier.pop()
    banners = [STAMP_RE.sub(lambda _m: before, s.banner, count=1) for s in sheets]
    if banners == [s.banner for s in sheets]:
        return new  # computed for the same time: the difference is a real one
    restamped = [dataclasses.replace(s, banner=b) for s, b in zip(sheets, banners, strict=True)]
    return None if write_result_sheets(data, restamped) == data else new


def clean_leftovers(root: Path) -> list[Path]:
    """Temporary files of processes that were killed mid-write, under ``root``: in the head-office and branch
    folders (only when ``.automation`` sits on another file system), in history folders and ``.automation/tmp``.
    A workbook a killed replace had taken off its name goes back to it; any other complete workbook among them
    becomes a history copy; the rest is removed. Returns the files handled."""
    handled: list[Path] = []
    for folder in unit_folders(root):
        for path in _children(folder):
            if is_temp_file(path) and abandoned(path):
                recover_leftover(path, history_dir(root, path), folder)
                handled.append(path)
    history = root / STATE_DIR / "history"
    if history.is_dir():
        for path in history.rglob(f"{WORK_PREFIX}*"):
            if abandoned(path):
                recover_leftover(path, path.parent, root / path.parent.relative_to(history))
                handled.append(path)
    for path in _children(work_dir(root)):
        if is_temp_file(path) and abandoned(path):
            with contextlib.suppress(OSError):
                path.unlink()
            handled.append(path)
    return handled


def _children(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_file()]
    except OSError:
        return []
