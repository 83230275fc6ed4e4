"""Tests for the working calendar (SPEC §5): hand-checked deadlines over the 2026 calendar, day reasons,
coverage, input handling, and a property test against a minute-by-minute oracle."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automation.calendar import DayInfo, WorkCalendar, parse_work_periods

CAL = WorkCalendar()


def dt64(text: str) -> np.datetime64:
    return np.datetime64(datetime.fromisoformat(text), "s")


def as_datetime(value: np.datetime64) -> datetime:
    return value.astype("datetime64[m]").astype(datetime)


# ---------------------------------------------------------------------------------------------------------
# The 2026 facts the hand-checked cases rely on, checked against chinese_calendar itself.
# (National Day 2026 is 10-01..10-07 in the package; 10-08 is an ordinary Thursday working day.)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working", "reason"),
    [
        ("2026-02-13", True, "工作日"),  # Friday
        ("2026-02-14", True, "调休"),  # Saturday make-up day before Spring Festival
        ("2026-02-15", False, "周末"),  # Sunday inside Spring Festival: a weekend anyway
        ("2026-02-16", False, "节日"),
        ("2026-02-20", False, "节日"),
        ("2026-02-23", False, "节日"),  # Monday, last day of the holiday
        ("2026-02-24", True, "工作日"),
        ("2026-02-28", True, "调休"),
        ("2026-09-20", True, "调休"),  # Sunday make-up day for National Day
        ("2026-10-01", False, "节日"),
        ("2026-10-07", False, "节日"),
        ("2026-10-08", True, "工作日"),
        ("2026-10-10", True, "调休"),  # Saturday make-up day
        ("2026-03-08", False, "周末"),
        ("2026-03-10", True, "工作日"),
        ("2026-01-01", False, "节日"),
        ("2027-01-01", True, "工作日"),  # not covered by the package: weekdays count
        ("2027-01-02", False, "周末"),
    ],
)
def test_day_info_2026(day: str, working: bool, reason: str) -> None:
    info = CAL.day_info(date.fromisoformat(day))
    assert (info.working, info.reason) == (working, reason)
    assert CAL.is_working_day(date.fromisoformat(day)) is working


def test_day_info_names() -> None:
    assert CAL.day_info(date(2026, 2, 14)) == DayInfo(date(2026, 2, 14), True, "调休", "Spring Festival", "春节")
    assert CAL.day_info(date(2026, 10, 2)).holiday_name_zh == "国庆节"
    assert CAL.day_info(date(2026, 3, 10)).holiday_name is None
    assert CAL.day_info(datetime(2026, 3, 10, 9, 0)).day == date(2026, 3, 10)
    assert CAL.day_info(date(2026, 3, 10)).weekday_zh == "二"


def test_day_info_agrees_with_chinese_calendar_every_covered_day() -> None:
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_vectorised_days_agree_with_day_info() -> None:
    # 2004-2027: the per-day arrays behind the arithmetic must say the same as day_info.
    days = np.arange(np.datetime64("2004-01-01"), np.datetime64("2028-01-01"))
    starts = days.astype("datetime64[m]")
    minutes = CAL.working_minutes_between(starts, starts + np.timedelta64(1, "D"))
    expected = [480.0 if CAL.is_working_day(d) else 0.0 for d in days.astype(date)]
    assert minutes.tolist() == expected


def test_overrides_and_none_mode_reasons() -> None:
    cal = WorkCalendar(overrides={date(2026, 2, 16): True, date(2026, 3, 10): False, date(2027, 1, 1): False})
    assert cal.day_info(date(2026, 2, 16)) == DayInfo(date(2026, 2, 16), True, "覆盖", "Spring Festival", "春节")
    assert cal.day_info(date(2026, 3, 10)) == DayInfo(date(2026, 3, 10), False, "覆盖")
    assert cal.day_info(date(2027, 1, 1)).reason == "覆盖"
    none = WorkCalendar(holidays="none", overrides={date(2026, 3, 7): True})
    assert none.day_info(date(2026, 2, 16)) == DayInfo(date(2026, 2, 16), True, "工作日")
    assert none.day_info(date(2026, 2, 14)) == DayInfo(date(2026, 2, 14), False, "周末")
    assert none.day_info(date(2026, 3, 7)).working


def test_year_table_and_next_days() -> None:
    table = CAL.year_table(2026)
    assert len(table) == 365
    assert [i.day for i in table[:2]] == [date(2026, 1, 1), date(2026, 1, 2)]
    assert sum(i.working for i in table) == sum(chinese_calendar.is_workday(i.day) for i in table)
    assert len(CAL.year_table(2028)) == 366
    nxt = CAL.next_days(date(2026, 2, 13), 3)
    assert [(i.day, i.reason) for i in nxt] == [
        (date(2026, 2, 13), "工作日"),
        (date(2026, 2, 14), "调休"),
        (date(2026, 2, 15), "周末"),
    ]
    assert CAL.next_days(date(2026, 2, 13), 0) == []


# ---------------------------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------------------------


def test_covered() -> None:
    assert CAL.covered(2026) and CAL.covered(2004)
    assert not CAL.covered(2027) and not CAL.covered(2003)
    assert WorkCalendar(holidays="none").covered(2027)


def test_override_rows_alone_do_not_cover_a_year() -> None:
    # SPEC §5: one 节假日调整 row (here New Year's Day) does not make 2027 known; a call on 2027-02-05 would
    # otherwise get a deadline inside the unknown Spring Festival without a word.
    one_row = WorkCalendar(overrides={date(2027, 1, 1): False})
    assert not one_row.covered(2027)
    call = np.array([dt64("2027-02-05 15:00")]).astype("datetime64[m]")
    due = one_row.add_working_minutes(call, 360)
    assert one_row.uncovered_years(np.concatenate([call, due])) == {2027}


def test_complete_years_cover_a_year() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 1): False}, complete_years=[2027])
    assert cal.covered(2027) and not cal.covered(2028)
    assert cal.complete_years == frozenset({2027})
    assert WorkCalendar(complete_years=(2027,)).covered(2027)  # declared complete: Monday-Friday is the answer
    # Declaring a year complete changes no day.
    assert cal.year_table(2027) == WorkCalendar(overrides={date(2027, 1, 1): False}).year_table(2027)
    # The package's own years stay covered whatever is declared.
    assert WorkCalendar(complete_years=[2027]).covered(2026)


def test_uncovered_rows_span_every_year_a_row_depends_on() -> None:
    calls = np.array(["2026-12-31T16:00", "2026-11-02T09:00", "2027-02-05T09:00", "NaT"], dtype="datetime64[m]")
    ends = np.array(["2027-01-01T14:00", "2026-11-02T15:00", "NaT", "2027-01-04T09:00"], dtype="datetime64[m]")
    marks = CAL.uncovered_rows(calls, ends)
    assert list(marks) == [2027]
    assert marks[2027].tolist() == [True, False, True, True]
    assert CAL.uncovered_rows(np.array(["2025-06-02T09:00"], dtype="datetime64[m]"),
                              np.array(["2027-06-02T09:00"], dtype="datetime64[m]"))[2027].tolist() == [True]
    assert WorkCalendar(complete_years=[2027]).uncovered_rows(calls, ends) == {}
    assert CAL.uncovered_rows(np.array([], dtype="datetime64[m]")) == {}


def test_uncovered_years() -> None:
    instants = np.array(["2026-12-31T15:00", "2027-01-01T12:00", "NaT"], dtype="datetime64[m]")
    assert CAL.uncovered_years(instants) == {2027}
    assert CAL.uncovered_years([date(2026, 5, 1), datetime(2028, 1, 3, 9)]) == {2028}
    assert CAL.uncovered_years(np.array([], dtype="datetime64[m]")) == set()
    assert WorkCalendar(overrides={date(2027, 1, 1): False}).uncovered_years(instants) == {2027}
    assert WorkCalendar(complete_years=[2027]).uncovered_years(instants) == set()
    assert WorkCalendar(holidays="none").uncovered_years(instants) == set()


# ---------------------------------------------------------------------------------------------------------
# Hand-checked deadlines (default periods 08:00-12:00, 13:00-17:00; 480 working minutes a day)
# ---------------------------------------------------------------------------------------------------------

OVR_2027_NEWYEAR = {date(2027, 1, 1): False}

DEADLINE_CASES = [
    # id, start, minutes, expected, calendar kwargs
    # Fri 15:30: 90 min left that day; make-up Saturday 08-12 gives 240; 30 more from 13:00.
    ("fri-into-makeup-sat-6h", "2026-02-13 15:30", 360, "2026-02-14 13:30", {}),
    ("fri-into-makeup-sat-7h", "2026-02-13 15:30", 420, "2026-02-14 14:30", {}),
    # On the make-up Saturday: 120 + 240 ends exactly at 17:00 closing; 60 more jumps the whole holiday.
    ("makeup-sat-ends-at-closing", "2026-02-14 10:00", 360, "2026-02-14 17:00", {}),
    ("makeup-sat-over-spring-festival", "2026-02-14 10:00", 420, "2026-02-24 09:00", {}),
    # Inside Spring Festival (Wed 02-18): clock starts Tue 02-24 08:00; 240 + 120.
    ("inside-spring-festival", "2026-02-18 10:00", 360, "2026-02-24 15:00", {}),
    # Inside National Day (Sat 10-03 and Thu 10-01): clock starts Thu 10-08 08:00.
    ("inside-national-day-sat", "2026-10-03 09:00", 420, "2026-10-08 16:00", {}),
    ("inside-national-day-thu", "2026-10-01 10:00", 360, "2026-10-08 15:00", {}),
    ("eve-of-national-day", "2026-09-30 16:00", 360, "2026-10-08 14:00", {}),
    ("fri-into-makeup-sat-1010", "2026-10-09 16:00", 360, "2026-10-10 14:00", {}),
    ("sat-to-makeup-sunday", "2026-09-19 10:00", 60, "2026-09-20 09:00", {}),
    # Lunch break.
    ("across-lunch-and-night", "2026-03-10 11:00", 360, "2026-03-11 09:00", {}),
    ("call-during-lunch", "2026-03-10 12:30", 60, "2026-03-10 14:00", {}),
    ("call-at-noon-closing", "2026-03-10 12:00", 60, "2026-03-10 14:00", {}),
    # Exactly at closing stays there.
    ("lands-on-noon-closing", "2026-03-10 11:00", 60, "2026-03-10 12:00", {}),
    ("lands-on-evening-closing", "2026-03-10 16:00", 60, "2026-03-10 17:00", {}),
    ("call-at-evening-closing", "2026-03-10 17:00", 60, "2026-03-11 09:00", {}),
    # Before opening, at night, after midnight, on a Sunday, Friday afternoon over a weekend.
    ("before-opening", "2026-03-10 07:15", 360, "2026-03-10 15:00", {}),
    ("at-night", "2026-03-10 22:40", 360, "2026-03-11 15:00", {}),
    ("after-midnight", "2026-03-11 02:10", 420, "2026-03-11 16:00", {}),
    ("sunday", "2026-03-08 10:00", 420, "2026-03-09 16:00", {}),
    ("fri-over-weekend", "2026-03-06 16:30", 360, "2026-03-09 14:30", {}),
    # Seconds are floored.
    ("seconds-floored", "2026-03-10 11:00:59", 60, "2026-03-10 12:00", {}),
    # Zero minutes: inside (or on the edge of) a period stays; outside goes to the next opening.
    ("zero-inside", "2026-03-10 10:17:59", 0, "2026-03-10 10:17", {}),
    ("zero-at-opening", "2026-03-10 08:00", 0, "2026-03-10 08:00", {}),
    ("zero-at-noon-closing", "2026-03-10 12:00", 0, "2026-03-10 12:00", {}),
    ("zero-at-evening-closing", "2026-03-10 17:00", 0, "2026-03-10 17:00", {}),
    ("zero-in-lunch", "2026-03-10 12:30", 0, "2026-03-10 13:00", {}),
    ("zero-at-night", "2026-03-10 20:00", 0, "2026-03-11 08:00", {}),
    ("zero-in-holiday", "2026-02-15 10:00", 0, "2026-02-24 08:00", {}),
    # 2027 is not in chinese_calendar: Friday 2027-01-01 counts as a weekday...
    ("into-2027-uncovered", "2026-12-31 15:00", 360, "2027-01-01 12:00", {}),
    # ...unless the admin enters it as a rest day, which moves the deadline to Monday 2027-01-04.
    ("into-2027-override-rest", "2026-12-31 15:00", 360, "2027-01-04 12:00", {"overrides": OVR_2027_NEWYEAR}),
    # An override can also make a weekend (Sat 2027-01-02) or a holiday (Mon 2026-02-16) a working day:
    # Thu 120 min, Fri 2027-01-01 rest, Sat 240 + 60.
    ("override-working-sat", "2026-12-31 15:00", 420, "2027-01-02 14:00",
     {"overrides": {date(2027, 1, 1): False, date(2027, 1, 2): True}}),
    ("override-working-holiday", "2026-02-14 10:00", 420, "2026-02-16 09:00",
     {"overrides": {date(2026, 2, 16): True}}),
    # holidays="none": weekends only.
    ("none-mode-holiday-works", "2026-02-18 10:00", 360, "2026-02-18 17:00", {"holidays": "none"}),
    ("none-mode-sat-rests", "2026-02-13 15:30", 360, "2026-02-16 13:30", {"holidays": "none"}),
    # One long period.
    ("single-period", "2026-03-10 17:30", 60, "2026-03-11 09:30", {"periods": ("09:00-18:00",)}),
]


@pytest.mark.parametrize(
    ("start", "minutes", "expected", "kwargs"),
    [pytest.param(*case[1:], id=case[0]) for case in DEADLINE_CASES],
)
def test_deadline_table(start: str, minutes: int, expected: str, kwargs: dict) -> None:
    cal = WorkCalendar(**kwargs)
    got = cal.add_working_minutes(np.array([dt64(start)]), minutes)
    assert got.dtype == np.dtype("datetime64[m]")
    assert as_datetime(got[0]) == datetime.fromisoformat(expected)
    # The way back measures exactly the minutes added.
    back = cal.working_minutes_between(np.array([dt64(start)]), got)
    assert back.tolist() == [float(minutes)]


def test_deadline_table_in_one_vectorised_call() -> None:
    cases = [c for c in DEADLINE_CASES if not c[4]]
    starts = np.array([dt64(c[1]) for c in cases])
    got = CAL.add_working_minutes(starts, np.array([c[2] for c in cases]))
    assert [as_datetime(g) for g in got] == [datetime.fromisoformat(c[3]) for c in cases]


def test_2027_deadline_is_flagged_uncovered() -> None:
    start = np.array([dt64("2026-12-31 15:00")])
    deadline = CAL.add_working_minutes(start, 360)
    assert CAL.uncovered_years(np.concatenate([start.astype("datetime64[m]"), deadline])) == {2027}
    cal = WorkCalendar(overrides=OVR_2027_NEWYEAR)  # one override row: still not covered (SPEC §5)
    assert cal.uncovered_years(np.concatenate([start.astype("datetime64[m]"), cal.add_working_minutes(start, 360)])) == {2027}
    done = WorkCalendar(overrides=OVR_2027_NEWYEAR, complete_years=[2027])
    assert done.uncovered_years(np.concatenate([start.astype("datetime64[m]"), done.add_working_minutes(start, 360)])) == set()


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-02-13 15:30", "2026-02-14 13:30", 360),
        ("2026-02-14 13:30", "2026-02-13 15:30", -360),
        ("2026-02-14 17:00", "2026-02-24 08:00", 0),  # whole Spring Festival: no working time
        ("2026-03-10 12:10", "2026-03-10 12:50", 0),  # inside lunch
        ("2026-03-10 11:30", "2026-03-10 13:30", 60),
        ("2026-03-10 20:00", "2026-03-11 09:00", 60),
        ("2026-03-10 09:00", "2026-03-10 09:00", 0),
        ("2026-03-09 08:00", "2026-03-16 08:00", 2400),  # a plain week
    ],
)
def test_working_minutes_between(a: str, b: str, expected: int) -> None:
    got = CAL.working_minutes_between(np.array([dt64(a)]), np.array([dt64(b)]))
    assert got.dtype == np.float64
    assert got.tolist() == [float(expected)]


# ---------------------------------------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------------------------------------


def test_nat_and_units_and_shapes() -> None:
    base = np.array(["2026-02-13T15:30:45", "NaT"], dtype="datetime64[s]")
    expected = np.array(["2026-02-14T13:30", "NaT"], dtype="datetime64[m]")
    for unit in ("ns", "us", "ms", "s", "m"):
        np.testing.assert_array_equal(CAL.add_working_minutes(base.astype(f"datetime64[{unit}]"), 360), expected)
    days = np.array(["2026-02-13", "2026-02-15"], dtype="datetime64[D]")
    np.testing.assert_array_equal(
        CAL.add_working_minutes(days, 60), np.array(["2026-02-13T09:00", "2026-02-24T09:00"], dtype="datetime64[m]")
    )
    grid = np.full((2, 3), np.datetime64("2026-03-10T11:00"))
    assert CAL.add_working_minutes(grid, np.array([0, 60, 360])).shape == (2, 3)
    scalar = CAL.add_working_minutes(np.datetime64("2026-03-10T11:00"), 60)
    assert scalar.shape == () and scalar == np.datetime64("2026-03-10T12:00")
    between = CAL.working_minutes_between(base, np.datetime64("2026-02-14T13:30"))
    assert between[0] == 360 and np.isnan(between[1])


def test_pandas_and_python_inputs() -> None:
    series = pd.Series(pd.to_datetime(["2026-02-13 15:30", None, "2026-03-10 11:00"]))
    got = CAL.add_working_minutes(series, pd.Series([360, 360, 60]))
    assert [None if np.isnat(g) else as_datetime(g) for g in got] == [
        datetime(2026, 2, 14, 13, 30), None, datetime(2026, 3, 10, 12, 0)
    ]
    got = CAL.add_working_minutes([datetime(2026, 3, 10, 11, 0), None, pd.NaT], 60)
    assert got[0] == np.datetime64("2026-03-10T12:00") and np.isnat(got[1]) and np.isnat(got[2])
    # A NaN minute count (e.g. an unknown 区域) gives NaT rather than an error.
    got = CAL.add_working_minutes(np.array(["2026-03-10T11:00"] * 2, dtype="datetime64[m]"), [60.0, np.nan])
    assert got[0] == np.datetime64("2026-03-10T12:00") and np.isnat(got[1])
    nullable = pd.Series([60, None], dtype="Int64")
    got = CAL.add_working_minutes(np.array(["2026-03-10T11:00"] * 2, dtype="datetime64[m]"), nullable)
    assert got[0] == np.datetime64("2026-03-10T12:00") and np.isnat(got[1])


def test_bad_minutes() -> None:
    start = np.array(["2026-03-10T11:00"], dtype="datetime64[m]")
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_minutes(start, -1)
    with pytest.raises(ValueError, match="whole"):
        CAL.add_working_minutes(start, 1.5)
    with pytest.raises(ValueError, match="span"):
        CAL.add_working_minutes(start, 10**10)
    with pytest.raises(TypeError):
        CAL.add_working_minutes(start, "60")
    with pytest.raises(TypeError):
        CAL.add_working_minutes(np.array([1.5]), 60)


def test_all_nat_input() -> None:
    got = CAL.add_working_minutes(np.array(["NaT", "NaT"], dtype="datetime64[ns]"), 60)
    assert got.dtype == np.dtype("datetime64[m]") and np.isnat(got).all()
    assert np.isnan(CAL.working_minutes_between(np.array(["NaT"], dtype="datetime64[m]"), got[:1])).all()


def test_day_range_grows_both_ways() -> None:
    cal = WorkCalendar()
    # First a 2026 call builds a small range; then far-past and far-future inputs must extend it correctly.
    cal.add_working_minutes(np.array(["2026-03-10T11:00"], dtype="datetime64[m]"), 60)
    far = cal.add_working_minutes(np.array(["2026-03-10T11:00"], dtype="datetime64[m]"), 1_000_000)
    past = cal.add_working_minutes(np.array(["1995-06-01T09:00"], dtype="datetime64[m]"), 60)
    fresh = WorkCalendar()
    assert far[0] == fresh.add_working_minutes(np.array(["2026-03-10T11:00"], dtype="datetime64[m]"), 1_000_000)[0]
    assert past[0] == np.datetime64("1995-06-01T10:00")
    assert cal.working_minutes_between(np.datetime64("2026-03-10T11:00"), far) == 1_000_000
    # Results still agree with a calendar that only ever saw the late range.
    again = cal.add_working_minutes(np.array(["2026-02-13T15:30"], dtype="datetime64[m]"), 360)
    assert again[0] == np.datetime64("2026-02-14T13:30")


# ---------------------------------------------------------------------------------------------------------
# parse_work_periods
# ---------------------------------------------------------------------------------------------------------


def test_parse_work_periods_ok() -> None:
    assert parse_work_periods(["08:00-12:00", "13:00-17:00"]) == ((480, 720), (780, 1020))
    assert parse_work_periods(["13:00-17:00", "8:00-12:00"]) == ((480, 720), (780, 1020))  # sorted
    assert parse_work_periods(["０８：００～１２：００", "13:00 — 17:30"]) == ((480, 720), (780, 1050))
    assert parse_work_periods(["08:00-12:00", "12:00-13:00"]) == ((480, 720), (720, 780))  # touching is fine
    assert parse_work_periods(["22:00-24:00"]) == ((1320, 1440),)
    assert WorkCalendar(periods=["13:00-17:00", "08:00-12:00"]).periods == ((480, 720), (780, 1020))


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([], "no work period"),
        (["08:00"], "HH:MM-HH:MM"),
        (["8-12"], "HH:MM-HH:MM"),
        (["08:00-12:00", "lunch"], "'lunch'"),
        (["08:60-12:00"], "not a valid time"),
        (["25:00-26:00"], "not a valid time"),
        (["24:00-24:30"], "not a valid time"),
        (["12:00-08:00"], "later than the start"),
        (["08:00-08:00"], "later than the start"),
        (["08:00-12:00", "11:00-14:00"], "overlap"),
        (["13:00-17:00", "08:00-13:30"], "overlap"),
        ([None], "expected text"),
    ],
)
def test_parse_work_periods_errors(texts: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_work_periods(texts)


def test_calendar_argument_errors() -> None:
    with pytest.raises(ValueError, match="holidays"):
        WorkCalendar(holidays="weekends")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="overlap"):
        WorkCalendar(periods=((480, 720), (700, 800)))
    with pytest.raises(ValueError, match="no work period"):
        WorkCalendar(periods=())


# ---------------------------------------------------------------------------------------------------------
# Property test against a plain minute-by-minute oracle
# ---------------------------------------------------------------------------------------------------------

ONE_MINUTE = timedelta(minutes=1)


def oracle_is_working_day(d: date, holidays: str, overrides: dict[date, bool]) -> bool:
    if d in overrides:
        return overrides[d]
    if holidays == "chinesecalendar":
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:  # year not in the package
            pass
    return d.weekday() < 5


class Oracle:
    def __init__(self, periods: tuple[tuple[int, int], ...], holidays: str, overrides: dict[date, bool]) -> None:
        self.periods, self.holidays, self.overrides = periods, holidays, overrides
        self._days: dict[date, bool] = {}

    def working_day(self, d: date) -> bool:
        if d not in self._days:
            self._days[d] = oracle_is_working_day(d, self.holidays, self.overrides)
        return self._days[d]

    def working_minute(self, t: datetime) -> bool:
        """Is the minute starting at t working time?"""
        m = t.hour * 60 + t.minute
        return self.working_day(t.date()) and any(s <= m < e for s, e in self.periods)

    def in_closed_period(self, t: datetime) -> bool:
        m = t.hour * 60 + t.minute
        return self.working_day(t.date()) and any(s <= m <= e for s, e in self.periods)

    def add(self, start: datetime, minutes: int) -> datetime:
        t = start.replace(second=0, microsecond=0)
        if minutes == 0:
            while not self.in_closed_period(t):
                t += ONE_MINUTE
            return t
        left = minutes
        while True:
            if self.working_minute(t):
                left -= 1
            t += ONE_MINUTE
            if left == 0:
                return t

    def between(self, a: datetime, b: datetime) -> int:
        a, b = a.replace(second=0, microsecond=0), b.replace(second=0, microsecond=0)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = 0
        while a < b:
            count += self.working_minute(a)
            a += ONE_MINUTE
        return sign * count


PERIOD_SETS = [
    ((480, 720), (780, 1020)),
    ((540, 1080),),
    ((0, 60), (480, 720), (720, 780), (1380, 1440)),  # midnight edges and touching periods
]
# Dates around which the calendar is interesting (year ends, Spring Festival, National Day, 2027).
HOT_DAYS = [date(2025, 1, 24), date(2025, 12, 31), date(2026, 2, 13), date(2026, 9, 18), date(2026, 9, 30),
            date(2026, 10, 9), date(2026, 12, 31), date(2027, 2, 5)]
HOT_MINUTES = [0, 1, 59, 60, 479, 480, 481, 719, 720, 721, 779, 780, 1019, 1020, 1021, 1379, 1380, 1439]


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    day = draw(st.one_of(
        st.dates(date(2025, 1, 1), date(2027, 12, 31)),
        st.builds(lambda d, k: d + timedelta(days=k), st.sampled_from(HOT_DAYS), st.integers(-3, 3)),
    ))
    minute = draw(st.one_of(st.integers(0, 1439), st.sampled_from(HOT_MINUTES)))
    second = draw(st.sampled_from([0, 0, 30, 59]))
    return datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute, seconds=second)


@st.composite
def calendars(draw: st.DrawFn, around: date) -> tuple[tuple[tuple[int, int], ...], str, dict[date, bool]]:
    periods = draw(st.sampled_from(PERIOD_SETS))
    holidays = draw(st.sampled_from(["chinesecalendar", "chinesecalendar", "none"]))
    # Overrides near the instants so that they actually matter.
    offsets = draw(st.dictionaries(st.integers(-3, 12), st.booleans(), max_size=6))
    return periods, holidays, {around + timedelta(days=k): v for k, v in offsets.items()}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_matches_minute_oracle(data: st.DataObject) -> None:
    starts = data.draw(st.lists(instants(), min_size=1, max_size=4))
    minutes = data.draw(st.lists(st.one_of(st.integers(0, 1500), st.sampled_from([0, 1, 60, 360, 420])),
                                 min_size=len(starts), max_size=len(starts)))
    periods, holidays, overrides = data.draw(calendars(starts[0].date()))
    cal = WorkCalendar(periods=periods, holidays=holidays, overrides=overrides)  # type: ignore[arg-type]
    oracle = Oracle(periods, holidays, overrides)

    got = cal.add_working_minutes(np.array(starts, dtype="datetime64[s]"), np.array(minutes))
    for start, k, g in zip(starts, minutes, got, strict=True):
        assert as_datetime(g) == oracle.add(start, k), (start, k)

    ends = [s + timedelta(minutes=data.draw(st.integers(-9000, 9000))) for s in starts]
    between = cal.working_minutes_between(np.array(starts, dtype="datetime64[s]"),
                                          np.array(ends, dtype="datetime64[s]"))
    assert between.tolist() == [float(oracle.between(a, b)) for a, b in zip(starts, ends, strict=True)]
