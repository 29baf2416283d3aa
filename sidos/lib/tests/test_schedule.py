from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from sidos.lib.schedule import Daily, Every, parse_schedule

HELSINKI = ZoneInfo("Europe/Helsinki")


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def test_parse_accepts_daily_every_and_off():
    assert parse_schedule("02:30", HELSINKI) == Daily(time(2, 30), HELSINKI)
    assert parse_schedule("5m", HELSINKI) == Every(300)
    assert parse_schedule(" 90 ", HELSINKI) == Every(90)
    assert parse_schedule("2h", HELSINKI) == Every(7200)
    assert parse_schedule("OFF", HELSINKI) is None


@pytest.mark.parametrize("raw", ["25:00", "02:60", "0s", "soon", "5 minutes", ""])
def test_parse_rejects_bad_values_naming_the_setting(raw):
    with pytest.raises(ValueError, match="SIDOS_SCHEDULE_X"):
        parse_schedule(raw, HELSINKI, "SIDOS_SCHEDULE_X")


def test_every_slots_are_aligned_and_shared_within_a_slot():
    every = Every(300)
    assert every.slot(utc(2026, 12, 2, 15, 4, 59)) == utc(2026, 12, 2, 15, 0)
    assert every.slot(utc(2026, 12, 2, 15, 5, 0)) == utc(2026, 12, 2, 15, 5)
    assert every.slot(utc(2026, 12, 2, 15, 9, 59, 999999)) == utc(2026, 12, 2, 15, 5)


def test_daily_slot_is_todays_time_once_passed_else_yesterdays():
    daily = Daily(time(2, 30), HELSINKI)  # 02:30 EET = 00:30 UTC in winter
    assert daily.slot(utc(2026, 12, 2, 0, 29)) == utc(2026, 12, 1, 0, 30)
    assert daily.slot(utc(2026, 12, 2, 0, 30)) == utc(2026, 12, 2, 0, 30)
    assert daily.slot(utc(2026, 12, 2, 23, 59)) == utc(2026, 12, 2, 0, 30)
    # Summer time: 02:30 EEST = 23:30 UTC the day before.
    assert daily.slot(utc(2026, 7, 1, 12, 0)) == utc(2026, 6, 30, 23, 30)


def test_daily_slot_across_the_spring_change_in_helsinki():
    # 29 March 2026 clocks go 03:00 -> 04:00: 02:30 that night is still EET, the next night's is EEST,
    # so 23 hours lie between the two slots, and each night has exactly one.
    daily = Daily(time(2, 30), HELSINKI)
    before = daily.occurrence(datetime(2026, 3, 29).date())
    after = daily.occurrence(datetime(2026, 3, 30).date())
    assert (before, after) == (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 23, 30))
    assert daily.slot(utc(2026, 3, 29, 23, 29)) == before
    assert (after - before).total_seconds() == 23 * 3600
    # 03:30 does not exist that night: it runs at 04:30 EEST (01:30 UTC), once.
    skipped = Daily(time(3, 30), HELSINKI)
    assert skipped.slot(utc(2026, 3, 29, 1, 29)) == utc(2026, 3, 28, 1, 30)
    assert skipped.slot(utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 1, 30)
    assert skipped.slot(utc(2026, 3, 29, 1, 30)).astimezone(HELSINKI).hour == 4


def test_daily_slot_across_the_autumn_change_in_helsinki():
    # 25 October 2026 clocks go 04:00 -> 03:00: 03:30 happens twice; only the first is a slot.
    daily = Daily(time(3, 30), HELSINKI)
    first = utc(2026, 10, 25, 0, 30)  # 03:30 EEST
    assert daily.slot(first) == first
    assert daily.slot(utc(2026, 10, 25, 1, 30)) == first  # 03:30 EET, the repeat: still the same slot
    assert daily.occurrence(datetime(2026, 10, 26).date()) - first == utc(2026, 10, 26, 1, 30) - first
    assert (utc(2026, 10, 26, 1, 30) - first).total_seconds() == 25 * 3600


def test_a_long_outage_gives_one_slot_not_one_per_missed_night():
    daily = Daily(time(2, 30), HELSINKI)
    slots = {daily.slot(utc(2026, 12, 9, 10, minute)) for minute in range(60)}
    assert slots == {utc(2026, 12, 9, 0, 30)}
