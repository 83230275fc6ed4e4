"""Problems: the small immutable records that validation produces (§4).

A :class:`Rule` is one entry of the rule catalogue (code, severity, message templates in Chinese and English,
regulation article). A :class:`Problem` is one finding of a rule at one place. Problems are collected in lists,
never raised; the catalogue lives in :mod:`automation.catalogue`.

An error-dense register (50,000 rows with one column filled) would otherwise yield hundreds of thousands of
problems: each kind (sheet, code, column) keeps its first ``limit`` findings, and the rest become one summary
problem at the first omitted cell that says how many there are (「另有 N 处同类问题，首个在 E120」). It carries the
Excel rows of the findings it stands for, so counts and the rows a job must skip stay exact (:func:`cap_problems`).
"""

from __future__ import annotations

import datetime as dt
import errno
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class BilingualError(Exception):
    """An unusable input or setting reported to people in one line, in Chinese and English (never a traceback)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


# What staff read for the commonest system errors; the system's own words (English) go to English lines only.
_OS_REASONS_ZH = {
    errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限", errno.EROFS: "位置只读",
    errno.ENOSPC: "磁盘空间不足", errno.ENOENT: "文件或文件夹不存在", errno.EEXIST: "文件已存在",
    errno.EBUSY: "文件正被占用", errno.EIO: "读写出错（磁盘或网络共享）", errno.ENAMETOOLONG: "路径过长",
    errno.EISDIR: "是文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
}  # fmt: skip


def os_reason_zh(exc: OSError) -> str:
    """A Chinese reason for a failed file operation."""
    if isinstance(exc, PermissionError):
        return "没有访问权限"
    if isinstance(exc, FileNotFoundError):
        return "文件或文件夹不存在"
    reason = _OS_REASONS_ZH.get(exc.errno or 0)
    if reason:
        return reason
    code = errno.errorcode.get(exc.errno or 0)
    return f"系统错误 {code}" if code else "系统错误"


def describe_exception(exc: BaseException, lang: str = "zh") -> str:
    """An exception as one short line for people: in Chinese a Chinese reason for system errors (the type named for
    whoever reads the log), in English its type and the first line of its message."""
    if isinstance(exc, BilingualError):
        return exc.message(lang)
    text = str(exc).strip().splitlines()
    english = f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
    if lang == "en":
        return english
    if isinstance(exc, OSError):
        return f"{os_reason_zh(exc)}（{type(exc).__name__}）"
    return f"程序内部错误（{english}）"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    zh: str  # message template, str.format fields
    en: str
    article: str = ""
    family: str = ""  # the group it belongs to in docs/rules.md


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    severity: Severity
    workbook: str
    sheet: str | None
    cell: str | None
    row: int | None
    column: str | None
    value: Any
    message_zh: str
    message_en: str
    article: str = ""
    # A summary of findings not listed one by one: the Excel rows of the others of its kind (its own row aside).
    # Compact (4 bytes a row) and left out of comparisons: the message already says how many.
    more_rows: array = field(default_factory=lambda: array("i"), compare=False, hash=False)

    @property
    def more(self) -> int:
        """How many findings besides this one it stands for (0 for an ordinary problem)."""
        return len(self.more_rows)

    @property
    def findings(self) -> int:
        return 1 + len(self.more_rows)

    def message(self, lang: str = "zh") -> str:
        if self.more_rows:
            n = self.findings
            if lang == "en":
                return f"{n} more problems of this kind, the first at {self.cell}: {self.message_en}"
            return f"另有 {n} 处同类问题，首个在 {self.cell}：{self.message_zh}"
        return self.message_en if lang == "en" else self.message_zh

    def rows(self) -> list[int]:
        """Excel rows of every finding this problem stands for."""
        return ([self.row] if self.row is not None else []) + self.more_rows.tolist()

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        """The problem object of §9's JSON (``more``: further findings of a summary, not listed)."""
        out = {
            "code": self.code,
            "severity": str(self.severity),
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "value": json_value(self.value),
            "message": self.message(lang),
            "article": self.article or None,
        }
        if self.more_rows:
            out["more"] = self.more
        return out


def json_value(value: Any) -> Any:
    """A cell value as JSON can carry it: dates as ISO text, NaN as null."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def display_value(value: Any) -> str:
    """A cell value as a short text for messages."""
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def count(problems: Iterable[Problem], severity: Severity | None = None) -> int:
    """Findings of ``severity`` (all when None), a summary counting for every finding it stands for."""
    return sum(p.findings for p in problems if severity is None or p.severity == severity)


def counts_by_code(problems: Iterable[Problem]) -> dict[str, int]:
    """Findings per code, summaries included at their full count (JSON's ``counts``)."""
    out: dict[str, int] = {}
    for p in problems:
        out[p.code] = out.get(p.code, 0) + p.findings
    return dict(sorted(out.items()))


def summarised(first: Problem, rows: Sequence[int] | Iterable[int]) -> Problem:
    """``first`` (the first omitted finding of its kind) standing also for the findings at Excel ``rows``."""
    return replace(first, more_rows=array("i", rows))


def cap_problems(problems: list[Problem], limit: int) -> list[Problem]:
    """At most ``limit`` listed findings of each kind (sheet, code, column), plus one summary of the rest.

    Findings that name no row are never folded (there are few of them: whole sheets, settings). Idempotent, and
    safe on lists whose producers already capped: summaries are merged, counts stay exact. Order is kept."""
    groups: dict[tuple[str | None, str, str | None], list[int]] = {}
    for i, p in enumerate(problems):
        if p.row is not None:
            groups.setdefault((p.sheet, p.code, p.column), []).append(i)
    drop: set[int] = set()
    add: dict[int, Problem] = {}
    for members in groups.values():
        listed = [i for i in members if not problems[i].more_rows]
        folded = [i for i in members if problems[i].more_rows]
        if len(listed) <= limit and len(folded) <= 1:
            continue
        listed.sort(key=lambda i: problems[i].row or 0)
        omitted = listed[limit:] + folded
        if sum(problems[i].findings for i in omitted) < 2:
            continue  # one extra finding is shown as itself, not as "1 more"
        first = min(omitted, key=lambda i: problems[i].row or 0)
        rows = [r for i in omitted for r in problems[i].rows()]
        rows.remove(problems[first].row or 0)
        drop.update(omitted)
        add[first] = summarised(replace(problems[first], more_rows=array("i")), rows)
    if not drop:
        return problems
    return [add.get(i, p) for i, p in enumerate(problems) if i not in drop or i in add]
