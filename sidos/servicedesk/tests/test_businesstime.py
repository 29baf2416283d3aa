"""Business-hour arithmetic across weekends, holidays and the DST changes in Europe/Helsinki."""

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from sidos.servicedesk.businesstime import (
    Calendar,
    add_business_time,
    always_open,
    business_time_between,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
H = dt.timedelta(hours=1)
FINNISH = holidays.Finland(years=range(2024, 2028))
OFFICE = Calendar(
    tz=HELSINKI,
    hours={day: ((8 * 60, 16 * 60),) for day in range(5)},
    is_holiday=lambda day: day in FINNISH,
)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HELSINKI)


def test_it_adds_time_within_one_working_day():
    assert add_business_time(OFFICE, at(2026, 3, 10, 9), 3 * H) == at(2026, 3, 10, 12)


def test_it_carries_the_rest_over_to_the_next_morning():
    assert add_business_time(OFFICE, at(2026, 3, 10, 15), 2 * H) == at(2026, 3, 11, 9)


def test_it_skips_the_weekend():
    # Friday 15:00 + 2 h: one hour on Friday, one on Monday morning.
    assert add_business_time(OFFICE, at(2026, 3, 13, 15), 2 * H) == at(2026, 3, 16, 9)


def test_a_start_outside_hours_waits_for_the_opening():
    assert add_business_time(OFFICE, at(2026, 3, 14, 22), H) == at(2026, 3, 16, 9)
    assert add_business_time(OFFICE, at(2026, 3, 10, 6), H) == at(2026, 3, 10, 9)


def test_it_skips_finnish_public_holidays():
    # Thursday 23 Dec 2027 15:00 + 2 h: Christmas Eve (Fri), the weekend and Boxing Day fall away.
    assert add_business_time(OFFICE, at(2027, 12, 23, 15), 2 * H) == at(2027, 12, 27, 9)
    # Easter 2026: Good Friday 3 Apr and Easter Monday 6 Apr.
    assert add_business_time(OFFICE, at(2026, 4, 2, 15), 2 * H) == at(2026, 4, 7, 9)


def test_midsummer_eve_is_a_holiday_by_default():
    assert add_business_time(OFFICE, at(2026, 6, 18, 16), H) == at(2026, 6, 22, 9)


def test_48_hours_of_office_time_is_six_working_days():
    assert add_business_time(OFFICE, at(2026, 3, 9, 8), 48 * H) == at(2026, 3, 16, 16)


def test_office_hours_follow_the_local_clock_across_spring_forward():
    # Clocks go from 03:00 to 04:00 on Sunday 29 March 2026; Monday still opens at 08:00 local (05:00 UTC).
    due = add_business_time(OFFICE, at(2026, 3, 27, 15), 2 * H)
    assert due == at(2026, 3, 30, 9)
    assert due.astimezone(dt.UTC) == dt.datetime(2026, 3, 30, 6, tzinfo=dt.UTC)


def test_around_the_clock_counts_real_hours_across_spring_forward():
    # 48 real hours from Saturday 02:00 EET end on Monday 03:00 EEST (one wall-clock hour skipped).
    clock = always_open(HELSINKI)
    assert add_business_time(clock, at(2026, 3, 28, 2), 48 * H) == at(2026, 3, 30, 3)
    assert business_time_between(clock, at(2026, 3, 29, 0), at(2026, 3, 30, 0)) == 23 * H


def test_around_the_clock_counts_real_hours_across_fall_back():
    clock = always_open(HELSINKI)
    assert business_time_between(clock, at(2026, 10, 25, 0), at(2026, 10, 26, 0)) == 25 * H


def test_a_night_shift_across_the_fall_back_hour_is_one_hour_longer():
    night = Calendar(tz=HELSINKI, hours={6: ((0, 6 * 60),)})
    # Sunday 25 October 2026: 00:00–06:00 local holds seven real hours (03:00–04:00 happens twice).
    assert business_time_between(night, at(2026, 10, 25, 0), at(2026, 10, 25, 12)) == 7 * H


def test_opening_hours_in_the_skipped_hour_start_after_the_gap():
    early = Calendar(tz=HELSINKI, hours={6: ((3 * 60 + 30, 5 * 60),)})
    spans = business_time_between(early, at(2026, 3, 29, 0), at(2026, 3, 29, 12))
    # 03:30 does not exist that night: it is read as 04:30 EEST, leaving half an hour until 05:00.
    assert spans == dt.timedelta(minutes=30)


def test_time_between_counts_only_open_hours():
    assert business_time_between(OFFICE, at(2026, 3, 13, 15), at(2026, 3, 16, 9)) == 2 * H
    assert business_time_between(OFFICE, at(2026, 3, 14, 10), at(2026, 3, 15, 10)) == dt.timedelta(0)


def test_time_between_is_negative_backwards():
    assert business_time_between(OFFICE, at(2026, 3, 16, 9), at(2026, 3, 13, 15)) == -2 * H


def test_adding_and_measuring_agree():
    start = at(2026, 12, 23, 11, 17)
    for hours in (1, 5, 8, 13, 40, 100):
        due = add_business_time(OFFICE, start, hours * H)
        assert business_time_between(OFFICE, start, due) == hours * H


def test_split_days_with_a_lunch_break():
    lunch = Calendar(tz=HELSINKI, hours={0: ((8 * 60, 11 * 60), (12 * 60, 16 * 60))})
    assert add_business_time(lunch, at(2026, 3, 9, 10), 2 * H) == at(2026, 3, 9, 13)


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(OFFICE, dt.datetime(2026, 3, 10, 9), H)  # noqa: DTZ001


def test_it_refuses_a_calendar_without_hours():
    with pytest.raises(ValueError, match="at least one weekday"):
        Calendar(tz=HELSINKI, hours={})
    with pytest.raises(ValueError, match="not a span"):
        Calendar(tz=HELSINKI, hours={0: ((600, 500),)})


def test_a_calendar_of_only_holidays_fails_clearly():
    closed = Calendar(tz=HELSINKI, hours={0: ((0, 60),)}, is_holiday=lambda day: True)
    with pytest.raises(ValueError, match="no open time"):
        add_business_time(closed, at(2026, 1, 1), H)
