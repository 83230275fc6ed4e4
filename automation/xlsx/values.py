"""Lenient reading of cell values (§3), one column at a time.

Input is the list of raw values python-calamine gives for one column (``str``, ``float``, ``bool``, ``date``,
``datetime``, ``time``, ``timedelta`` or ``""`` for an empty cell). Output is a :class:`ParsedColumn`: typed values
(NA where blank or unreadable), the blank mask, and the unreadable cells with the catalogue code that describes them.

Typed representations, chosen so rules and jobs can work on whole columns at once:
text-like kinds -> ``object`` strings; date and datetime -> ``datetime64[s]``; time -> minutes since midnight
(``float64``); number, money, hours, int -> ``float64``; bool -> ``object`` True/False; enum -> canonical choice.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..registers.model import Column, Kind, normalise_choice

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
YEARS = (1990, 2100)  # the years a register date may have; outside them it is a typing slip
SERIAL_MIN = (dt.datetime(YEARS[0], 1, 1) - EXCEL_EPOCH).days
SERIAL_MAX = (dt.datetime(YEARS[1], 12, 31) - EXCEL_EPOCH).days

_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T\s]\s*(\d{1,2})\s*[:时]\s*(\d{1,2})\s*分?(?:\s*[:]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?"
)
_TIME_TEXT = re.compile(r"(\d{1,2})\s*[:时]\s*(\d{2})\s*分?(?:\s*:\s*(\d{2})(?:\.\d+)?)?")
_NUMBER_UNITS = re.compile(r"(?:万元|元|小时|hours?|hrs?|h|工时)$", re.IGNORECASE)
_MOBILE = re.compile(r"(?:\+?86-?)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:(?:-|转|#|ext\.?)\d{1,6})?", re.IGNORECASE)
_SIMPLE_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}")
_PHONE_SPLIT = re.compile(r"[/、,，;；]")
_POSTCODE = re.compile(r"\d{6}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass
class ParsedColumn:
    values: pd.Series
    blank: np.ndarray
    # position -> (catalogue code, message parameters) for cells that could not be read as the column's type
    errors: dict[int, tuple[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def bad(self) -> np.ndarray:
        mask = np.zeros(len(self.blank), dtype=bool)
        if self.errors:
            mask[list(self.errors)] = True
        return mask


def is_blank(value: object) -> bool:
    return value is None or value == "" or (value.__class__ is str and not value.strip())


def as_text(value: object) -> str:
    """A raw value as text: trimmed; an integral number without ``.0``; dates in ISO form."""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text) if not text.isascii() else text


# --- one parser per kind: raw value -> typed value, or raise _Bad ------------------------------------------


class _Bad(Exception):
    def __init__(self, code: str, **params: str) -> None:
        self.code = code
        self.params = params


def _date_parts(value: object, code: str) -> dt.datetime:
    """Any date-ish raw value as a datetime; the caller decides whether a time of day is needed."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, float | int) and not isinstance(value, bool):
        if SERIAL_MIN <= value <= SERIAL_MAX:
            return EXCEL_EPOCH + dt.timedelta(minutes=round(value * 1440))
        raise _Bad(code)
    if isinstance(value, str):
        m = _DATE_TEXT.fullmatch(nfkc(value.strip()))
        if m:
            y, mo, d, hh, mm, ss = m.groups()
            try:
                return dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            except ValueError:
                raise _Bad(code) from None
    raise _Bad(code)


def _has_time(value: object) -> bool:
    if isinstance(value, dt.datetime):
        return True
    if isinstance(value, dt.date):
        return False
    if isinstance(value, float | int):
        return not float(value).is_integer()
    m = _DATE_TEXT.fullmatch(nfkc(str(value).strip()))
    return bool(m and m.group(4) is not None)


def parse_date(value: object) -> dt.datetime:
    d = _date_parts(value, "TYP001")
    return dt.datetime(d.year, d.month, d.day)


def parse_datetime(value: object) -> dt.datetime:
    d = _date_parts(value, "TYP002")
    if not _has_time(value):
        raise _Bad("TYP003")
    return d.replace(second=0, microsecond=0)


def parse_time(value: object) -> float:
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, dt.datetime):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, dt.timedelta) and dt.timedelta(0) <= value < dt.timedelta(days=1):
        return value.total_seconds() / 60
    if isinstance(value, float) and not isinstance(value, bool) and 0 <= value < 1:
        return round(value * 1440, 4)
    if isinstance(value, str):
        m = _TIME_TEXT.fullmatch(nfkc(value.strip()))
        if m:
            h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            if h < 24 and mi < 60 and s < 60:
                return h * 60 + mi + s / 60
    raise _Bad("TYP004")


def parse_number(value: object) -> float:
    if isinstance(value, bool):
        raise _Bad("TYP005")
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, str):
        text = nfkc(value).strip().replace(",", "").replace(" ", "").replace("￥", "").replace("¥", "")
        text = _NUMBER_UNITS.sub("", text)
        try:
            number = float(text)
        except ValueError:
            raise _Bad("TYP005") from None
        if number == number and abs(number) != float("inf"):
            return number
    raise _Bad("TYP005")


def parse_int(value: object) -> float:
    try:
        number = parse_number(value)
    except _Bad:
        raise _Bad("TYP006") from None
    if not number.is_integer():
        raise _Bad("TYP006")
    return number


def parse_code(value: object) -> str:
    return nfkc(as_text(value)).strip()


def parse_phone(value: object) -> str:
    text = nfkc(as_text(value))
    parts = [p.strip().replace(" ", "").replace("(", "").replace(")", "") for p in _PHONE_SPLIT.split(text)]
    if not parts or not all(p and (_MOBILE.fullmatch(p) or _LANDLINE.fullmatch(p)) for p in parts):
        raise _Bad("TYP008")
    return text


def parse_postcode(value: object) -> str:
    text = nfkc(as_text(value))
    if not _POSTCODE.fullmatch(text):
        raise _Bad("TYP009")
    return text


def parse_email(value: object) -> str:
    text = nfkc(as_text(value))
    if not _EMAIL.fullmatch(text):
        raise _Bad("TYP010")
    return text


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """Why ``code`` is not a valid 统一社会信用代码 (GB 32100-2015), as (zh, en); None when valid."""
    if len(code) != 18:
        return f"应为 18 位，实为 {len(code)} 位", f"18 characters expected, {len(code)} given"
    if any(c not in CREDIT_CHARSET for c in code):
        return "含有不允许的字符", "contains characters that are not allowed"
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS, strict=True))
    expected = CREDIT_CHARSET[(31 - total % 31) % 31]
    if code[17] != expected:
        return f"校验位应为 {expected}", f"the check character should be {expected}"
    return None


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=False))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def parse_creditcode(value: object) -> str:
    text = nfkc(as_text(value)).upper()
    why = credit_code_problem(text)
    if why:
        raise _Bad("TYP011", reason=why[0], reason_en=why[1])
    return text


def _parse_choice(value: object, aliases: Mapping[str, str], choices: Sequence[str], bad_code: str) -> object:
    key = normalise_choice(as_text(value))
    try:
        return aliases[key]
    except KeyError:
        raise _Bad(bad_code, choices="/".join(choices)) from None


# --- whole columns ------------------------------------------------------------------------------------------


_SLOW = object()  # marks a cell the fast path of its column could not convert


def parse_column(column: Column, raw: Sequence[object]) -> ParsedColumn:
    """Parse one column's raw values according to its kind.

    Each kind has a fast path for the cell type staff nearly always produce (a real datetime cell in a datetime
    column, a known spelling in a choice column, ...), written as one comprehension; only the other cells go
    through the lenient per-cell parser.
    """
    n = len(raw)
    kind = column.kind
    errors: dict[int, tuple[str, dict[str, str]]] = {}
    if kind in (Kind.TEXT, Kind.STAFF):
        text = np.asarray(
            [v.strip() if v.__class__ is str else ("" if v is None else as_text(v)) for v in raw], dtype=object
        ).reshape(n)
        blank = _blank(text)
        text[blank] = None
        return ParsedColumn(pd.Series(text, dtype=object), blank, errors)

    blank = _blank(np.asarray(raw, dtype=object).reshape(n))
    if n and blank.all():
        return ParsedColumn(_typed([None] * n, kind), blank, errors)  # an empty column (error-dense sheets)
    out = _fast_path(column, raw)
    for i in np.flatnonzero(blank).tolist():
        out[i] = None
    parse = _simple_parser(column)
    for i in [i for i, v in enumerate(out) if v is _SLOW]:
        value = raw[i]
        out[i] = None
        if value is None or (value.__class__ is str and not value.strip()):
            blank[i] = True
            continue
        try:
            out[i] = parse(value)
        except _Bad as bad:
            errors[i] = (bad.code, bad.params)
    if kind in (Kind.DATE, Kind.DATETIME):
        _implausible_years(out, errors, "TYP001" if kind is Kind.DATE else "TYP002")
    return ParsedColumn(_typed(out, kind), blank, errors)


def _implausible_years(out: list[object], errors: dict[int, tuple[str, dict[str, str]]], code: str) -> None:
    """A date outside 1990–2100 (the span serial numbers are read in) is a typing slip such as 0206 or 9026 for
    2026, not a date of the registers: unreadable, so no deadline or window is computed from it."""
    low, high = YEARS
    for i, v in enumerate(out):
        if v is not None and not low <= v.year <= high:  # type: ignore[attr-defined]
            out[i] = None
            errors[i] = (code, {})


def _typed(out: list[object], kind: Kind) -> pd.Series:
    """Parsed values (None where blank or unreadable) as the column's typed Series."""
    if kind in (Kind.DATE, Kind.DATETIME):
        if not any(v is not None for v in out):
            return pd.Series(np.full(len(out), np.datetime64("NaT"), dtype="datetime64[s]"))
        stamps = pd.to_datetime(pd.Series(out, dtype=object))
        stamps = stamps.dt.normalize() if kind is Kind.DATE else stamps.dt.floor("min")
        return stamps.astype("datetime64[s]")
    if kind in (Kind.NUMBER, Kind.MONEY, Kind.HOURS, Kind.INT, Kind.TIME):
        return pd.Series(np.array([np.nan if v is None else v for v in out], dtype=float))
    return pd.Series(out, dtype=object)


def _fast_path(column: Column, raw: Sequence[object]) -> list[object]:
    kind = column.kind
    slow = _SLOW
    if kind is Kind.DATETIME:
        return [v if v.__class__ is dt.datetime else slow for v in raw]
    if kind is Kind.DATE:
        return [v if v.__class__ is dt.datetime or v.__class__ is dt.date else slow for v in raw]
    if kind in (Kind.NUMBER, Kind.MONEY, Kind.HOURS):
        return [v if v.__class__ is float else slow for v in raw]
    if kind in (Kind.ENUM, Kind.BOOL):
        exact: dict[object, object] = {c: c for c in column.choices}
        exact.update(column.aliases)
        if kind is Kind.BOOL:
            exact = {k: v == "是" for k, v in exact.items()}
            exact.update({True: True, False: False})
        return [exact.get(v, slow) if v.__class__ is str or v.__class__ is bool else slow for v in raw]
    if kind is Kind.CODE:
        return [(v.strip() or slow) if v.__class__ is str and v.isascii() else slow for v in raw]
    if kind is Kind.PHONE:
        simple = _SIMPLE_PHONE
        return [v if v.__class__ is str and simple.fullmatch(v) else slow for v in raw]
    return [slow] * len(raw)


def _blank(values: np.ndarray) -> np.ndarray:
    """Empty cells: calamine gives "" (a None from other sources is found blank by the slow path)."""
    if not len(values):
        return np.zeros(0, dtype=bool)
    return np.asarray(values == "", dtype=bool)


def _simple_parser(column: Column):  # noqa: ANN202 - a small closure factory
    kind = column.kind
    if kind is Kind.BOOL:
        aliases = {k: v == "是" for k, v in column.alias_map().items()}
        return lambda v: (v if isinstance(v, bool) else _parse_choice(v, aliases, column.choices, "TYP007"))
    if kind is Kind.ENUM:
        aliases = column.alias_map()
        return lambda v: _parse_choice(v, aliases, column.choices, "TYP012")
    return _PARSERS.get(kind, as_text)


_PARSERS = {
    Kind.CODE: parse_code,
    Kind.DATE: parse_date,
    Kind.DATETIME: parse_datetime,
    Kind.TIME: parse_time,
    Kind.NUMBER: parse_number,
    Kind.MONEY: parse_number,
    Kind.HOURS: parse_number,
    Kind.INT: parse_int,
    Kind.PHONE: parse_phone,
    Kind.POSTCODE: parse_postcode,
    Kind.EMAIL: parse_email,
    Kind.CREDITCODE: parse_creditcode,
}
