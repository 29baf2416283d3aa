import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sidos.lib.cells import InvalidCell, parse_date, parse_datetime, parse_decimal, parse_yes_no

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.mark.parametrize("text", ["2024-03-05", "5.3.2024", "05.03.2024", " 5.3.2024 "])
def test_it_reads_iso_and_finnish_dates(text):
    assert parse_date(text) == dt.date(2024, 3, 5)


@pytest.mark.parametrize("text", ["31.2.2024", "2024-13-01", "5/3/2024", "yesterday"])
def test_it_rejects_impossible_or_foreign_dates(text):
    with pytest.raises(InvalidCell, match="invalid date"):
        parse_date(text)


def test_it_reads_naive_times_as_local_time():
    moment = parse_datetime("5.3.2024 14.30", HELSINKI)
    assert moment == dt.datetime(2024, 3, 5, 14, 30, tzinfo=HELSINKI)


def test_it_keeps_an_explicit_offset():
    moment = parse_datetime("2024-03-05T12:00:00Z", HELSINKI)
    assert moment.utcoffset() == dt.timedelta(0)
    assert moment.hour == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        ("1 234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("-3,2", "-3.2"),
        ("1\u00a0000", "1000"),
    ],
)
def test_it_reads_decimals_with_either_separator(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "1,2,3.4.5", "NaN", "Infinity"])
def test_it_rejects_what_is_not_a_number(text):
    with pytest.raises(InvalidCell):
        parse_decimal(text)


@pytest.mark.parametrize("word", ["yes", "TRUE", "1", "kyllä", "Kylla", "ja", "Y"])
def test_it_reads_yes_in_our_languages(word):
    assert parse_yes_no(word) is True


@pytest.mark.parametrize("word", ["no", "false", "0", "ei", "nej", "nei", "N"])
def test_it_reads_no_in_our_languages(word):
    assert parse_yes_no(word) is False


@pytest.mark.parametrize("word", ["maybe", "2", "si", "da"])
def test_it_rejects_other_consent_words(word):
    with pytest.raises(InvalidCell, match="unrecognised yes/no"):
        parse_yes_no(word)
