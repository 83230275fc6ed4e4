"""When time-dependent results are refreshed (automation.schedule), against a minute-by-minute walk of the calendar.

The oracle knows nothing of the implementation: it steps through every minute after the given instant and stops
at the first one that is, on a working day, a period's start or end or a whole number of intervals after a start.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from automation.calendar import WorkCalendar
from automation.schedule import next_refresh, refresh_minutes_of_day, refreshes_on
from automation.settings import Settings, parse_settings

T = dt.datetime
MINUTE = dt.timedelta(minutes=1)


def oracle(after: dt.datetime, calendar: WorkCalendar, every: int, limit_days: int = 40) -> dt.datetime | None:
    """The first minute after ``after`` that is a refresh instant, found by looking at every minute."""
    working: dict[dt.date, bool] = {}

    def works(day: dt.date) -> bool:
        if day not in working:
            working[day] = calendar.is_working_day(day)
        return working[day]

    def point(day: dt.date, minute: int) -> bool:
        return works(day) and any(s <= minute <= e and ((minute - s) % every == 0 or minute == e)
                                  for s, e in calendar.periods)  # fmt: skip

    t = after.replace(second=0, microsecond=0) + MINUTE
    for _ in range(limit_days * 1440):
        minute = t.hour * 60 + t.minute
        # Midnight is also minute 1440 of the day before (a period closing at 24:00).
        if point(t.date(), minute) or (minute == 0 and point(t.date() - dt.timedelta(days=1), 1440)):
            return t
        t += MINUTE
    return None


@st.composite
def periods(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    bounds = sorted(draw(st.lists(st.integers(0, 1440), min_size=2, max_size=6, unique=True)))
    return tuple((bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2))


@st.composite
def cases(draw: st.DrawFn) -> tuple[dt.datetime, WorkCalendar, Settings]:
    work = draw(periods())
    every = draw(st.one_of(st.integers(1, 180), st.integers(181, 1440)))
    after = draw(st.datetimes(min_value=T(2024, 1, 1), max_value=T(2027, 12, 31, 23, 59, 59)))
    # Overrides near the instant (节假日调整): holidays on working days and working days on weekends.
    offsets = draw(st.dictionaries(st.integers(-2, 20), st.booleans(), max_size=6))
    overrides = {after.date() + dt.timedelta(days=k): working for k, working in offsets.items()}
    holidays = draw(st.sampled_from(["chinesecalendar", "none"]))
    calendar = WorkCalendar(work, holidays, overrides)  # type: ignore[arg-type]
    return after, calendar, Settings(work_periods=work, holidays=holidays, refresh_minutes=every)


@settings(max_examples=300, deadline=None)
@given(cases())
@example((T(2026, 9, 30, 17, 0), WorkCalendar(), Settings()))  # 国庆: the next refresh is after the holiday
@example((T(2026, 10, 9, 17, 0, 30), WorkCalendar(), Settings()))  # Friday evening before a make-up Saturday
@example((T(2026, 3, 2, 23, 59), WorkCalendar(((1380, 1440),)), Settings(work_periods=((1380, 1440),))))
def test_next_refresh_is_the_first_refresh_minute_after(case: tuple[dt.datetime, WorkCalendar, Settings]) -> None:
    after, calendar, chosen = case
    expected = oracle(after, calendar, chosen.refresh_minutes)
    assert expected is not None  # every generated calendar has working days within the walk
    assert next_refresh(after, calendar, chosen) == expected


def test_default_schedule_of_a_working_day() -> None:
    """Starts and ends of 08:00-12:00 and 13:00-17:00, hourly in between; a Friday evening waits for Monday."""
    calendar = WorkCalendar()
    monday = dt.date(2026, 3, 2)
    assert [f"{t:%H:%M}" for t in refreshes_on(monday, calendar, Settings())] == [
        "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00"]  # fmt: skip
    assert next_refresh(T(2026, 3, 2, 7, 0), calendar, Settings()) == T(2026, 3, 2, 8, 0)
    assert next_refresh(T(2026, 3, 2, 8, 0), calendar, Settings()) == T(2026, 3, 2, 9, 0)
    assert next_refresh(T(2026, 3, 2, 12, 0), calendar, Settings()) == T(2026, 3, 2, 13, 0)
    assert next_refresh(T(2026, 3, 6, 17, 0), calendar, Settings()) == T(2026, 3, 9, 8, 0)


def test_odd_intervals_still_refresh_at_each_start_and_end() -> None:
    assert refresh_minutes_of_day(((480, 720), (780, 1020)), 90) == (480, 570, 660, 720, 780, 870, 960, 1020)
    assert refresh_minutes_of_day(((480, 720), (720, 1020)), 240) == (480, 720, 960, 1020)  # touching periods
    with pytest.raises(ValueError):
        refresh_minutes_of_day(((480, 720),), 0)


def test_holidays_weekends_make_up_days_and_overrides() -> None:
    calendar = WorkCalendar()
    assert refreshes_on(dt.date(2026, 10, 1), calendar, Settings()) == []  # 国庆节
    assert refreshes_on(dt.date(2026, 10, 4), calendar, Settings()) == []  # a Sunday
    assert len(refreshes_on(dt.date(2026, 10, 10), calendar, Settings())) == 10  # a make-up Saturday (调休)
    assert next_refresh(T(2026, 9, 30, 17, 0), calendar, Settings()) == T(2026, 10, 8, 8, 0)
    # 节假日调整 wins: the company stays closed on the 8th and opens on Sunday the 4th.
    overridden = WorkCalendar(overrides={dt.date(2026, 10, 8): False, dt.date(2026, 10, 4): True})
    assert next_refresh(T(2026, 9, 30, 17, 0), overridden, Settings()) == T(2026, 10, 4, 8, 0)
    assert next_refresh(T(2026, 10, 4, 17, 0), overridden, Settings()) == T(2026, 10, 9, 8, 0)


def test_a_calendar_without_working_days_has_no_next_refresh() -> None:
    start = dt.date(2026, 1, 1)
    closed = WorkCalendar(holidays="none", overrides={start + dt.timedelta(days=k): False for k in range(800)})
    assert next_refresh(T(2026, 1, 1), closed, Settings()) is None


@pytest.mark.parametrize("value", [0, 1441, 1.5, "60", True])
def test_refresh_minutes_is_validated_with_its_key(value: object) -> None:
    from automation.settings import SettingsError

    with pytest.raises(SettingsError) as info:
        parse_settings({"watch": {"refresh_minutes": value}})
    assert "watch.refresh_minutes" in info.value.message("zh") and "1–1440" in info.value.message("zh")
    assert "watch.refresh_minutes" in info.value.message("en") and "from 1 to 1440" in info.value.message("en")
    assert parse_settings({"watch": {"refresh_minutes": 30}}).refresh_minutes == 30
    assert Settings().refresh_minutes == 60
