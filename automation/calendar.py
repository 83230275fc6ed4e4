"""Working calendar and working-time arithmetic for dispatch deadlines (SPEC §5).

Working time is the configured daily periods (default 08:00–12:00 and 13:00–17:00) on working days.
Working days are Monday–Friday, minus Chinese public holidays, plus the official make-up working days (调休)
taken from the ``chinesecalendar`` package, and then the admin's overrides (基础资料/节假日调整), which always win.
For a year the package does not know (e.g. 2027) weekdays count; callers use :meth:`WorkCalendar.covered`,
:meth:`WorkCalendar.uncovered_years` and :meth:`WorkCalendar.uncovered_rows` to warn the admin. Overrides alone do
not make such a year known: it is covered only once the admin declares it complete (``complete_years``: settings
``calendar.complete_years`` or a 节假日调整 row of 类型「全年已录入」), SPEC §5.

All instants are naive local time (Asia/Shanghai) in whole minutes; seconds are floored away.

Deadline semantics (``add_working_minutes(start, k)``): the result is the first instant at or after ``start``
that lies inside working time (a working period *including* its closing minute) and by which ``k`` working
minutes have elapsed since ``start``. Consequences:

* a start outside working time starts the clock at the next opening;
* a deadline that falls exactly on a closing time stays there (11:00 + 1 h = 12:00, not 13:00);
* ``k == 0``: a start inside a period or exactly on its opening/closing time is returned unchanged
  (12:00 + 0 = 12:00); a start outside working time gives the next opening (12:30 + 0 = 13:00, 20:00 + 0 =
  08:00 next working day).

Implementation: per-day arrays (working flag, cumulative working minutes before each day) over a day range that
grows on demand, and a per-minute-of-day table of working minutes elapsed. Together they map an instant to a
global "working-minute index" G(t); adding minutes is ``G(start) + k`` followed by a binary search back to an
instant. Everything is numpy-vectorised; chinese_calendar is consulted once per built day range, never per row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, Literal

import chinese_calendar
import numpy as np

__all__ = [
    "DEFAULT_PERIODS",
    "WHOLE_YEAR",
    "DayInfo",
    "WorkCalendar",
    "parse_work_periods",
    "read_overrides",
]

Periods = tuple[tuple[int, int], ...]
HolidayMode = Literal["chinesecalendar", "none"]

DEFAULT_PERIODS: Periods = ((480, 720), (780, 1020))
MINUTES_PER_DAY = 1440

# Reasons shown to staff (SPEC §6 工作日历 sheet).
REASON_WORKDAY = "工作日"
REASON_WEEKEND = "周末"
REASON_HOLIDAY = "节日"
REASON_MAKEUP = "调休"
REASON_OVERRIDE = "覆盖"

# 节假日调整 类型 of a marker row: the admin has entered that year in full (SPEC §5). Not an override of its day.
WHOLE_YEAR = "全年已录入"
OVERRIDE_WORKDAY = "工作日"

# A guard against absurd inputs (e.g. a minute count typed in the wrong unit) that would otherwise make the
# day arrays enormous; ~300 years is far beyond any real register.
_MAX_SPAN_DAYS = 110_000

# 1970-01-01 (day 0 of datetime64[D]) was a Thursday; Monday = 0 like date.weekday().
_EPOCH_WEEKDAY = 3


# ---------------------------------------------------------------------------------------------------------
# Work periods
# ---------------------------------------------------------------------------------------------------------

# Accept the separators people actually type in a settings file (hyphen, en/em dash, tilde, 至) after NFKC,
# which already turns full-width colons and digits into ASCII.
_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*(?:-|–|—|~|至|to)\s*(\d{1,2}):(\d{2})\s*$")


def _parse_hhmm(hh: str, mm: str, text: str, *, allow_24: bool) -> int:
    h, m = int(hh), int(mm)
    if m > 59 or h > 24 or (h == 24 and (m != 0 or not allow_24)):
        raise ValueError(
            f"invalid work period {text!r}: {hh}:{mm} is not a valid time of day "
            "(use HH:MM between 00:00 and 24:00)"
        )
    return h * 60 + m


def _fmt_minutes(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def _validate_periods(periods: Iterable[tuple[int, int]], texts: Sequence[str] | None = None) -> Periods:
    """Sort periods by start and reject empty, inverted, out-of-day or overlapping ones."""
    items = [(int(s), int(e)) for s, e in periods]
    if not items:
        raise ValueError("no work period given: at least one period such as '08:00-12:00' is required")
    for s, e in items:
        if not (0 <= s < e <= MINUTES_PER_DAY):
            raise ValueError(
                f"invalid work period {_fmt_minutes(s)}-{_fmt_minutes(e)}: "
                "the end must be later than the start, within one day (00:00-24:00)"
            )
    items.sort()
    for (s1, e1), (s2, e2) in zip(items, items[1:], strict=False):
        # Touching periods (12:00-13:00 after 08:00-12:00) are allowed; only a real overlap is ambiguous.
        if s2 < e1:
            raise ValueError(
                f"work periods overlap: {_fmt_minutes(s1)}-{_fmt_minutes(e1)} and "
                f"{_fmt_minutes(s2)}-{_fmt_minutes(e2)}; periods must not overlap"
            )
    return tuple(items)


def parse_work_periods(texts: Sequence[str]) -> Periods:
    """Parse ``["08:00-12:00", "13:00-17:00"]`` into ``((480, 720), (780, 1020))`` (minutes since midnight).

    Periods given out of order are sorted. Raises :class:`ValueError` naming the offending text for malformed
    text, an end not after its start, overlapping periods, or no period at all.
    """
    if isinstance(texts, str):
        # A bare string is a common settings mistake (work_periods = "08:00-12:00"); accept it as one period.
        texts = [texts]
    parsed: list[tuple[int, int]] = []
    for raw in texts:
        if not isinstance(raw, str):
            raise ValueError(f"invalid work period {raw!r}: expected text like '08:00-12:00'")
        text = unicodedata.normalize("NFKC", raw)
        match = _PERIOD_RE.match(text)
        if match is None:
            raise ValueError(f"invalid work period {raw!r}: expected the form HH:MM-HH:MM, e.g. '08:00-12:00'")
        start = _parse_hhmm(match.group(1), match.group(2), raw, allow_24=False)
        end = _parse_hhmm(match.group(3), match.group(4), raw, allow_24=True)
        if end <= start:
            raise ValueError(f"invalid work period {raw!r}: the end must be later than the start")
        parsed.append((start, end))
    return _validate_periods(parsed)


# ---------------------------------------------------------------------------------------------------------
# chinese_calendar data, converted once
# ---------------------------------------------------------------------------------------------------------


@cache
def _cc_covers(year: int) -> bool:
    """True if chinese_calendar has holiday data for ``year`` (asks the package itself, so a newer release
    with more years is picked up without code changes)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=1)
def _cc_day_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(holiday days, make-up workdays) as sorted int64 day numbers since 1970-01-01."""
    def to_days(dates: Iterable[date]) -> np.ndarray:
        return np.array(sorted(dates), dtype="datetime64[D]").astype(np.int64)

    return to_days(chinese_calendar.holidays.keys()), to_days(chinese_calendar.workdays.keys())


@lru_cache(maxsize=1)
def _holiday_names_zh() -> dict[str, str]:
    return {h.value: h.chinese for h in chinese_calendar.Holiday}


# ---------------------------------------------------------------------------------------------------------
# Array conversion helpers
# ---------------------------------------------------------------------------------------------------------


def _is_missing(v: Any) -> bool:
    # None, float NaN and pandas NaT are the missing values an object column can hold (NaN != NaN);
    # pandas.NA refuses bool(), which is also how we recognise it.
    if v is None:
        return True
    try:
        return bool(v != v)
    except TypeError:
        return True


def _to_datetime64(values: Any) -> np.ndarray:
    """Any array-like / scalar of instants (datetime64 of any unit, datetime, date, pandas) -> datetime64 array."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr
    if arr.dtype.kind == "O":
        flat = [np.datetime64("NaT") if _is_missing(v) else v for v in arr.ravel()]
        return np.array(flat, dtype="datetime64[us]").reshape(arr.shape)
    if arr.dtype.kind == "U":
        return arr.astype("datetime64[us]")  # ISO text such as "2026-02-13T15:30"
    raise TypeError(f"expected datetime values, got an array of dtype {arr.dtype}")


def _to_minutes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Instants -> (int64 minutes since 1970-01-01 00:00, NaT mask). numpy's unit cast floors, which is what
    'whole minutes, floor seconds' asks for (also before 1970)."""
    arr = _to_datetime64(values).astype("datetime64[m]")
    mask = np.isnat(arr)
    return arr.astype(np.int64), mask


def _to_minute_counts(minutes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Minute counts -> (int64 array, missing mask). NaN counts give NaT results; negatives are refused."""
    arr = np.asarray(minutes)
    if arr.dtype.kind == "O":
        # e.g. a pandas nullable Int64 column: missing entries become NaN, numbers become floats.
        arr = np.array([np.nan if _is_missing(v) else v for v in arr.ravel()], dtype=np.float64).reshape(arr.shape)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"expected whole minute counts, got an array of dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        filled = np.where(missing, 0.0, arr)
        if np.any(filled != np.floor(filled)):
            raise ValueError("minutes must be whole numbers")
        arr = filled.astype(np.int64)
    else:
        missing = np.zeros(arr.shape, dtype=bool)
        arr = arr.astype(np.int64)
    if np.any(arr < 0):
        raise ValueError("minutes must not be negative")
    return arr, missing


def read_overrides(rows: Iterable[tuple[Any, Any]]) -> tuple[dict[date, bool], frozenset[int]]:
    """节假日调整 rows as (日期, 类型) pairs -> (day -> working?, years declared complete).

    类型 「工作日」 makes the day a working day, 「休息日」 a day off; 「全年已录入」 only declares the day's year
    complete and leaves the day as it is. Rows with a blank or unreadable 日期 or 类型 are skipped; the first row of
    a day wins (validation reports the repeated day)."""
    overrides: dict[date, bool] = {}
    complete: set[int] = set()
    for day, kind in rows:
        if _is_missing(day) or _is_missing(kind):
            continue
        if isinstance(day, np.datetime64):
            day = day.astype("datetime64[D]").astype(date)
        when = day.date() if isinstance(day, datetime) else day
        if kind == WHOLE_YEAR:
            complete.add(when.year)
        else:
            overrides.setdefault(when, kind == OVERRIDE_WORKDAY)
    return overrides, frozenset(complete)


# ---------------------------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayInfo:
    """One calendar day as the product explains it to staff."""

    day: date
    working: bool
    reason: str  # 工作日 / 周末 / 节日 / 调休 / 覆盖
    holiday_name: str | None = None  # as chinese_calendar names it, e.g. "Spring Festival"
    holiday_name_zh: str | None = None  # e.g. "春节", for the Chinese sheets

    @property
    def weekday_zh(self) -> str:
        return "一二三四五六日"[self.day.weekday()]


@dataclass(frozen=True)
class _DayIndex:
    """Per-day arrays for days ``d0 .. d0 + n - 1`` (day numbers since 1970-01-01)."""

    d0: int
    working: np.ndarray  # bool[n]
    cum: np.ndarray  # int64[n + 1]; cum[i] = working minutes before day d0 + i starts

    @property
    def d1(self) -> int:
        return self.d0 + len(self.working)


class WorkCalendar:
    """Working days and working-time arithmetic (see the module docstring for the exact semantics)."""

    def __init__(
        self,
        periods: Sequence[tuple[int, int]] | Sequence[str] = DEFAULT_PERIODS,
        holidays: HolidayMode = "chinesecalendar",
        overrides: Mapping[date, bool] | None = None,
        complete_years: Iterable[int] = (),
    ) -> None:
        if holidays not in ("chinesecalendar", "none"):
            raise ValueError(f"calendar.holidays must be 'chinesecalendar' or 'none', not {holidays!r}")
        periods = list(periods)
        if periods and all(isinstance(p, str) for p in periods):
            self.periods = parse_work_periods(periods)  # type: ignore[arg-type]
        else:
            self.periods = _validate_periods(periods)  # type: ignore[arg-type]
        self.holidays: HolidayMode = holidays
        self.overrides: dict[date, bool] = {}
        for d, working in (overrides or {}).items():
            # datetime is a date subclass; keep the key a plain date so lookups by date work.
            key = d.date() if isinstance(d, datetime) else d
            self.overrides[key] = bool(working)
        # Years the admin declared complete: their holidays are all in the overrides, weekdays otherwise.
        self.complete_years: frozenset[int] = frozenset(int(y) for y in complete_years)
        self._override_days = np.array(sorted(self.overrides), dtype="datetime64[D]").astype(np.int64)
        self._override_vals = np.array([self.overrides[d] for d in sorted(self.overrides)], dtype=bool)

        # Per minute-of-day m (0..1440): working minutes elapsed before m on a working day, and whether m lies
        # in a closed period [start, end] (where a zero-minute deadline may stay put).
        m = np.arange(MINUTES_PER_DAY + 1)
        elapsed = np.zeros(MINUTES_PER_DAY + 1, dtype=np.int64)
        closed = np.zeros(MINUTES_PER_DAY + 1, dtype=bool)
        for s, e in self.periods:
            elapsed += np.clip(m - s, 0, e - s)
            closed |= (m >= s) & (m <= e)
        self._elapsed = elapsed
        self._in_closed = closed
        self.minutes_per_day = int(elapsed[-1])
        # Inverse of `elapsed`: the earliest minute-of-day by which r working minutes have elapsed (r = 0..W).
        self._first_reach = np.searchsorted(elapsed, np.arange(self.minutes_per_day + 1), side="left")
        self._index: _DayIndex | None = None

    # --- single days -------------------------------------------------------------------------------------

    def day_info(self, d: date) -> DayInfo:
        """Whether ``d`` is a working day, and why."""
        if isinstance(d, datetime):
            d = d.date()
        weekend = d.weekday() >= 5
        name: str | None = None
        cc_working: bool | None = None
        if self.holidays == "chinesecalendar" and _cc_covers(d.year):
            cc_working = chinese_calendar.is_workday(d)
            name = chinese_calendar.get_holiday_detail(d)[1]
        name_zh = _holiday_names_zh().get(name) if name else None

        if d in self.overrides:
            return DayInfo(d, self.overrides[d], REASON_OVERRIDE, name, name_zh)
        if cc_working is not None:
            if cc_working and weekend:
                return DayInfo(d, True, REASON_MAKEUP, name, name_zh)
            if not cc_working and not weekend:
                return DayInfo(d, False, REASON_HOLIDAY, name, name_zh)
        # A holiday that falls on a weekend is reported as 周末 (its name is still given).
        return DayInfo(d, not weekend, REASON_WEEKEND if weekend else REASON_WORKDAY, name, name_zh)

    def is_working_day(self, d: date) -> bool:
        return self.day_info(d).working

    def year_table(self, year: int) -> list[DayInfo]:
        """Every day of ``year`` (for `automation calendar --year Y`)."""
        first, last = date(year, 1, 1), date(year, 12, 31)
        return [self.day_info(first + timedelta(days=i)) for i in range((last - first).days + 1)]

    def next_days(self, start: date, n: int) -> list[DayInfo]:
        """``n`` consecutive days beginning with ``start`` itself (for the 工作日历 sheet)."""
        if isinstance(start, datetime):
            start = start.date()
        return [self.day_info(start + timedelta(days=i)) for i in range(max(n, 0))]

    # --- coverage ----------------------------------------------------------------------------------------

    def covered(self, year: int) -> bool:
        """Whether ``year``'s holidays are known: chinese_calendar has it, or the admin declared it complete
        (``complete_years``). Override rows alone do not cover a year: one holiday entered says nothing about
        the others (SPEC §5). With ``holidays="none"`` weekends-only is the chosen rule, so every year counts."""
        if self.holidays == "none":
            return True
        return _cc_covers(year) or year in self.complete_years

    def uncovered_years(self, instants: Any) -> set[int]:
        """Years of the given instants (datetime64 array-like, datetimes or dates; NaT ignored) that are not
        covered. Pass both the call times and the computed deadlines so a deadline pushed into the next
        year is caught too."""
        arr = _to_datetime64(instants).ravel()
        arr = arr[~np.isnat(arr)]
        if arr.size == 0:
            return set()
        years = np.unique(arr.astype("datetime64[Y]").astype(np.int64) + 1970)
        return {int(y) for y in years if not self.covered(int(y))}

    def uncovered_rows(self, *instants: Any) -> dict[int, np.ndarray]:
        """Per uncovered year, which rows depend on it: ``instants`` are equally long arrays (one value per row,
        e.g. call time, deadline, arrival; NaT ignored), and a row depends on every year from its earliest to
        its latest instant, since working time between them is counted on each of those days. Returns
        ``{year: bool mask}`` for the uncovered years some row depends on, in year order."""
        if not instants:
            return {}
        arrays = [_to_datetime64(v).astype("datetime64[m]").ravel() for v in instants]
        stacked = np.stack(arrays) if len(arrays) > 1 else arrays[0][None, :]
        if stacked.shape[1] == 0:
            return {}
        years = np.where(np.isnat(stacked), -1, stacked.astype("datetime64[Y]").astype(np.int64) + 1970)
        seen = years >= 0
        big = np.iinfo(np.int64).max
        lo = np.where(seen, years, big).min(axis=0)
        hi = np.where(seen, years, -1).max(axis=0)
        rows = hi >= 0
        if not rows.any():
            return {}
        marks: dict[int, np.ndarray] = {}
        for year in range(int(lo[rows].min()), int(hi[rows].max()) + 1):
            if not self.covered(year):
                mask = rows & (lo <= year) & (hi >= year)
                if mask.any():
                    marks[year] = mask
        return marks

    # --- day index ---------------------------------------------------------------------------------------

    def _working_days_array(self, d0: int, d1: int) -> np.ndarray:
        days = np.arange(d0, d1, dtype=np.int64)
        working = (days + _EPOCH_WEEKDAY) % 7 < 5
        if self.holidays == "chinesecalendar":
            hol, mk = _cc_day_arrays()
            # Same precedence as chinese_calendar.is_workday: a make-up workday beats a holiday entry.
            hol = hol[(hol >= d0) & (hol < d1)]
            working[hol - d0] = False
            mk = mk[(mk >= d0) & (mk < d1)]
            working[mk - d0] = True
        sel = (self._override_days >= d0) & (self._override_days < d1)
        working[self._override_days[sel] - d0] = self._override_vals[sel]
        return working

    def _build(self, d0: int, d1: int) -> _DayIndex:
        if d1 - d0 > _MAX_SPAN_DAYS:
            raise ValueError(
                f"the instants and minute counts span more than {_MAX_SPAN_DAYS} days; check the input values"
            )
        working = self._working_days_array(d0, d1)
        cum = np.zeros(len(working) + 1, dtype=np.int64)
        np.cumsum(working * self.minutes_per_day, out=cum[1:])
        return _DayIndex(d0, working, cum)

    def _ensure_days(self, lo: int, hi: int) -> _DayIndex:
        """Make the index cover days ``lo .. hi`` inclusive. Grows with a year of slack on each side so a stream
        of calls does not rebuild each time; extending only forward keeps d0 (and so G values) stable."""
        idx = self._index
        if idx is not None and idx.d0 <= lo and hi < idx.d1:
            return idx
        if idx is None:
            d0, d1 = lo - 366, hi + 733
        else:
            d0 = idx.d0 if lo >= idx.d0 else lo - 366
            d1 = idx.d1 if hi < idx.d1 else hi + 733
        self._index = self._build(d0, d1)
        return self._index

    def _index_of(self, idx: _DayIndex, mins: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """G(t) for minute instants (valid rows only), plus each row's day position and minute of day."""
        day = mins // MINUTES_PER_DAY
        mod = mins - day * MINUTES_PER_DAY
        pos = day - idx.d0
        g = idx.cum[pos] + np.where(idx.working[pos], self._elapsed[mod], 0)
        return g, pos, mod

    def _reach(self, idx: _DayIndex, target: np.ndarray) -> np.ndarray:
        """Earliest instant (minutes since epoch) t with G(t) >= target, for targets >= 1 within the index.

        The day is the one whose cumulative range (cum[i], cum[i+1]] holds the target; it is necessarily a
        working day, and the position inside it comes from the per-minute-of-day inverse table. Returning the
        *earliest* such instant is what keeps a deadline on a closing time instead of the next opening."""
        pos = np.searchsorted(idx.cum, target, side="left") - 1
        rem = target - idx.cum[pos]
        return (idx.d0 + pos) * MINUTES_PER_DAY + self._first_reach[rem]

    # --- vectorised arithmetic ---------------------------------------------------------------------------

    def add_working_minutes(self, starts: Any, minutes: Any) -> np.ndarray:
        """Deadline = ``starts`` + ``minutes`` working minutes, element-wise (broadcasting), as datetime64[m].

        ``starts``: datetime64 array-like of any unit (NaT -> NaT), datetimes or pandas values.
        ``minutes``: int >= 0, scalar or array (NaN in a float array -> NaT).
        """
        start_m, start_nat = _to_minutes(starts)
        counts, count_nan = _to_minute_counts(minutes)
        start_m, start_nat, counts, count_nan = np.broadcast_arrays(start_m, start_nat, counts, count_nan)
        shape = start_m.shape
        start_m, counts = start_m.ravel(), counts.ravel()
        bad = (start_nat | count_nan).ravel()
        out = np.full(start_m.shape, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
        ok = ~bad
        if not ok.any():
            return out.view("datetime64[m]").reshape(shape)
        s, k = start_m[ok], counts[ok]
        days = s // MINUTES_PER_DAY
        idx = self._ensure_days(int(days.min()), int(days.max()) + 1)
        g, pos, mod = self._index_of(idx, s)

        # k == 0 and already in working time (closed period on a working day): the start itself.
        stay = (k == 0) & idx.working[pos] & self._in_closed[mod]
        # k == 0 elsewhere: next opening = start of the next working minute (reach G+1, step back one minute).
        target = g + np.where(k == 0, 1, k)

        # Grow the day range forward until every target is reachable (large additions, long holidays).
        need = int(target.max())
        while idx.cum[-1] < need:
            deficit = need - int(idx.cum[-1])
            extra = deficit // self.minutes_per_day * 7 // 5 + 60
            idx = self._ensure_days(idx.d0, idx.d1 + extra)

        res = self._reach(idx, target)
        res = np.where(k == 0, res - 1, res)
        res = np.where(stay, s, res)
        out[ok] = res
        return out.view("datetime64[m]").reshape(shape)

    def working_minutes_between(self, a: Any, b: Any) -> np.ndarray:
        """Signed working minutes from ``a`` to ``b`` (negative when ``b`` is before ``a``), element-wise.

        Returns float64 so a NaT on either side can be NaN; values are whole numbers otherwise."""
        am, anat = _to_minutes(a)
        bm, bnat = _to_minutes(b)
        am, anat, bm, bnat = np.broadcast_arrays(am, anat, bm, bnat)
        shape = am.shape
        am, bm = am.ravel(), bm.ravel()
        ok = ~(anat | bnat).ravel()
        out = np.full(am.shape, np.nan, dtype=np.float64)
        if ok.any():
            both = np.concatenate([am[ok], bm[ok]])
            days = both // MINUTES_PER_DAY
            idx = self._ensure_days(int(days.min()), int(days.max()))
            ga, _, _ = self._index_of(idx, am[ok])
            gb, _, _ = self._index_of(idx, bm[ok])
            out[ok] = gb - ga
        return out.reshape(shape)
