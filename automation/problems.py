"""Problems: the small immutable records that validation produces (§4).

A :class:`Rule` is one entry of the rule catalogue (code, severity, message templates in Chinese and English,
regulation article). A :class:`Problem` is one finding of a rule at one place. Problems are collected in lists,
never raised; the catalogue lives in :mod:`automation.catalogue`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
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

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        """The problem object of §9's JSON."""
        return {
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


def count(problems: list[Problem], severity: Severity) -> int:
    return sum(1 for p in problems if p.severity == severity)
