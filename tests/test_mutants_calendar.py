"""Working-calendar cases written for mutants that survived the rest of the suite (docs/testing.md).

Each case pins one boundary or one message the other calendar tests leave open: the last valid minute of an hour,
the hour 24 that only an end may use, a period whose end equals its start, a single instant of an uncovered year,
the missing values an override row can hold.
Expected values are worked out by hand from the module's documented semantics, never read from its output.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from automation.calendar import WorkCalendar, parse_work_periods, read_overrides


def test_minute_59_and_hour_24_are_the_edges_of_a_valid_time() -> None:
    assert parse_work_periods(["08:59-09:00"]) == ((539, 540),)
    assert parse_work_periods(["23:59-24:00"]) == ((1439, 1440),)


@pytest.mark.parametrize("text", ["25:00-26:00", "08:00-25:00", "24:00-24:00", "24:00-24:30"])
def test_hours_past_24_and_a_start_at_24_are_not_times_of_day(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_work_periods([text])
    message = str(caught.value)
    assert f"invalid work period {text!r}" in message
    assert "is not a valid time of day (use HH:MM between 00:00 and 24:00)" in message


def test_a_bare_string_is_one_period() -> None:
    assert parse_work_periods("13:00-17:00") == ((780, 1020),)


def test_an_empty_period_is_refused_naming_the_text_as_typed() -> None:
    with pytest.raises(ValueError) as caught:
        parse_work_periods(["8:00 - 8:00"])
    assert str(caught.value) == "invalid work period '8:00 - 8:00': the end must be later than the start"


def test_overlap_message_names_both_periods_in_hh_mm() -> None:
    with pytest.raises(ValueError) as caught:
        parse_work_periods(["08:00-11:59", "11:30-13:00"])
    assert re.search(r"08:00-11:59 and 11:30-13:00; periods must not overlap", str(caught.value))


def test_inverted_numeric_period_message_in_hh_mm() -> None:
    with pytest.raises(ValueError) as caught:
        WorkCalendar(periods=((719, 601),))
    assert "invalid work period 11:59-10:01:" in str(caught.value)


def test_one_instant_in_an_uncovered_year_is_reported() -> None:
    cal = WorkCalendar()
    assert cal.uncovered_years([datetime(2099, 3, 2, 9, 0)]) == {2099}
    assert cal.uncovered_years([date(2026, 3, 2)]) == set()


def test_override_rows_with_a_missing_day_or_kind_are_skipped() -> None:
    rows = [(None, "工作日"), (pd.NA, "休息日"), (float("nan"), "工作日"), (date(2027, 1, 4), None),
            (date(2027, 1, 4), pd.NA), (datetime(2027, 1, 2, 0, 0), "工作日"), (date(2027, 1, 5), "休息日"),
            (np.datetime64("2027-01-06T09:30"), "休息日"), (date(2027, 12, 31), "全年已录入")]
    overrides, complete = read_overrides(rows)
    assert overrides == {date(2027, 1, 2): True, date(2027, 1, 5): False, date(2027, 1, 6): False}
    assert complete == frozenset({2027})


def test_next_days_from_a_date_time_start_on_its_own_day() -> None:
    days = WorkCalendar().next_days(datetime(2026, 2, 13, 15, 30), 2)
    assert [(d.day, d.working, d.reason) for d in days] == [
        (date(2026, 2, 13), True, "工作日"),  # Friday
        (date(2026, 2, 14), True, "调休"),  # the Saturday worked before the Spring Festival
    ]


def test_holidays_are_named_on_weekdays_and_on_weekends() -> None:
    cal = WorkCalendar()
    national_day = cal.day_info(date(2026, 10, 1))  # a Thursday
    assert (national_day.working, national_day.reason) == (False, "节日")
    assert (national_day.holiday_name, national_day.holiday_name_zh) == ("National Day", "国庆节")
    saturday = cal.day_info(date(2026, 10, 3))
    assert (saturday.working, saturday.reason) == (False, "周末")
    assert (saturday.holiday_name, saturday.holiday_name_zh) == ("National Day", "国庆节")


def test_minute_counts_in_an_object_array_with_missing_entries() -> None:
    start = np.datetime64("2026-02-13T09:00")  # a Friday morning
    counts = np.array([60, None, 30, pd.NA], dtype=object)
    out = WorkCalendar().add_working_minutes(start, counts)
    assert out[0] == np.datetime64("2026-02-13T10:00")
    assert np.isnat(out[1]) and np.isnat(out[3])
    assert out[2] == np.datetime64("2026-02-13T09:30")


def test_an_all_missing_grid_keeps_its_shape() -> None:
    starts = np.full((2, 3), np.datetime64("NaT"), dtype="datetime64[m]")
    out = WorkCalendar().add_working_minutes(starts, 30)
    assert out.shape == (2, 3) and out.dtype == np.dtype("datetime64[m]")
    assert np.isnat(out).all()


def test_a_very_long_addition_grows_the_day_index_to_the_right_day() -> None:
    def working(d: date) -> bool:  # the calendar's rule, stated independently: chinese_calendar, else Mon-Fri
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            return d.weekday() < 5

    start, n = date(2026, 1, 5), 1500  # a Monday; 1,500 working days is far beyond the index built at first
    day, seen = start, 0
    while True:
        seen += working(day)
        if seen == n:
            break
        day += timedelta(days=1)
    out = WorkCalendar().add_working_minutes(np.datetime64("2026-01-05T08:00"), n * 480)
    assert out == np.datetime64(f"{day.isoformat()}T17:00")
