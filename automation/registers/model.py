"""The register model: one declarative definition per register.

A :class:`Register` lists its sheets, a :class:`SheetModel` its columns, and a :class:`Column` says everything
the rest of the product needs to know about one column: the header staff see, the value type (§3), whether it is
required or unique, the allowed choices and their aliases, ranges, and the rule text and regulation article shown
in templates, the 填写说明 sheet and ``docs/rules.md``. Reading, the pandera schemas, the templates and the docs
are all derived from these definitions, so adding a column is one edit in one module.

This module imports nothing else of the product.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """Value types of §3."""

    TEXT = "text"
    CODE = "code"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    NUMBER = "number"
    MONEY = "money"
    HOURS = "hours"
    INT = "int"
    BOOL = "bool"
    PHONE = "phone"
    POSTCODE = "postcode"
    EMAIL = "email"
    CREDITCODE = "creditcode"
    ENUM = "enum"
    STAFF = "staff"


# How each kind is described to staff (填写说明) and in docs.
KIND_LABELS: dict[Kind, tuple[str, str]] = {
    Kind.TEXT: ("文本", "text"),
    Kind.CODE: ("编号（半角字母数字）", "code"),
    Kind.DATE: ("日期，如 2026-11-29", "date, e.g. 2026-11-29"),
    Kind.DATETIME: ("日期时间，如 2026-11-29 14:30", "date and time, e.g. 2026-11-29 14:30"),
    Kind.TIME: ("时间，如 14:30", "time, e.g. 14:30"),
    Kind.NUMBER: ("数字", "number"),
    Kind.MONEY: ("金额（元）", "amount (yuan)"),
    Kind.HOURS: ("工时（小时）", "hours"),
    Kind.INT: ("整数", "integer"),
    Kind.BOOL: ("是/否", "yes/no"),
    Kind.PHONE: ("电话（手机或区号+号码，多个用 / 分隔）", "phone (mobile or area code + number; several separated by /)"),
    Kind.POSTCODE: ("邮编（6 位数字）", "postcode (6 digits)"),
    Kind.EMAIL: ("电子邮箱", "email address"),
    Kind.CREDITCODE: ("统一社会信用代码（18 位）", "unified social credit code (18 characters)"),
    Kind.ENUM: ("从下拉列表选择", "choose from the list"),
    Kind.STAFF: ("员工姓名或工号（见基础资料/员工）", "staff name or number (see 基础资料/员工)"),
}

NUMERIC_KINDS = frozenset({Kind.NUMBER, Kind.MONEY, Kind.HOURS, Kind.INT})
TEXT_KINDS = frozenset(
    {Kind.TEXT, Kind.CODE, Kind.PHONE, Kind.POSTCODE, Kind.EMAIL, Kind.CREDITCODE, Kind.STAFF}
)

YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    """One column of a register sheet."""

    header: str
    kind: Kind
    required: bool = False
    unique: bool = False
    choices: tuple[str, ...] = ()
    # Extra spellings staff use for a choice, mapped to the canonical choice (matched after normalisation).
    aliases: Mapping[str, str] = field(default_factory=dict)
    # Numeric bounds (inclusive unless the *_open flag is set).
    minimum: float | None = None
    maximum: float | None = None
    minimum_open: bool = False
    not_future: bool = False
    unit: str | None = None  # shown in the template header: 服务费(元)
    rule: str = ""  # further rules in words (zh), for 填写说明 and docs
    article: str = ""  # regulation article the column's rules enforce
    width: float | None = None

    @property
    def title(self) -> str:
        """Header as written in templates, with its unit."""
        return f"{self.header}({self.unit})" if self.unit else self.header

    def alias_map(self) -> dict[str, str]:
        """Normalised spelling -> canonical choice, for enums and bools."""
        mapping = {normalise_choice(c): c for c in self.choices}
        mapping.update({normalise_choice(a): c for a, c in self.aliases.items()})
        return mapping


@dataclass(frozen=True)
class SheetModel:
    name: str
    columns: tuple[Column, ...]
    unique_together: tuple[tuple[str, ...], ...] = ()
    description: str = ""
    # A sheet added after workbooks were already in use (issue 15): a workbook without it is read as before, with
    # one warning saying which checks it would enable, never the error of a missing sheet.
    optional: bool = False
    # What an optional sheet lets the product check, for that warning (zh, en).
    enables: tuple[str, str] = ("", "")

    def column(self, header: str) -> Column:
        for col in self.columns:
            if col.header == header:
                return col
        raise KeyError(header)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


@dataclass(frozen=True)
class Register:
    key: str  # master, customers, demand, contracts, callins, items, worklog
    name: str  # Chinese file name stem: 叫修登记簿
    title_en: str
    at_head_office: bool
    sheets: tuple[SheetModel, ...]
    regulation: str

    def sheet(self, name: str) -> SheetModel:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    @property
    def file_name(self) -> str:
        return f"{self.name}.xlsx"


_UNIT_SUFFIX = re.compile(r"[(（][^()（）]*[)）]$")


def normalise_header(text: object) -> str:
    """Header matching of §2: NFKC, no spaces, no leading/trailing ``*``, no unit suffix in parentheses."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = "".join(s.split())
    s = s.strip("*")
    s = _UNIT_SUFFIX.sub("", s)
    return s.strip("*")


def normalise_choice(text: object) -> str:
    """Choice matching: NFKC, no spaces, case-insensitive."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def enum(*choices: str, **kwargs: object) -> dict[str, object]:
    """Shorthand for the keyword arguments of an enum column."""
    return {"kind": Kind.ENUM, "choices": choices, **kwargs}


BOOL_ALIASES: dict[str, str] = {
    "是": YES, "否": NO, "y": YES, "n": NO, "yes": YES, "no": NO, "√": YES, "×": NO, "✓": YES, "✗": NO,
    "✔": YES, "✘": NO, "true": YES, "false": NO, "1": YES, "0": NO,
}


def yes_no(**kwargs: object) -> dict[str, object]:
    """Shorthand for the keyword arguments of a 是/否 column."""
    return {"kind": Kind.BOOL, "choices": (YES, NO), "aliases": BOOL_ALIASES, **kwargs}
