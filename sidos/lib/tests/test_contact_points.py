import pytest

from sidos.lib.emails import InvalidEmail, normalise_email
from sidos.lib.phones import InvalidPhone, to_e164


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("040 123 4567", "FI", "+358401234567"),
        ("+358 40 123 4567", "FI", "+358401234567"),
        ("00358401234567", "FI", "+358401234567"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("412 34 567", "NO", "+4741234567"),
        ("+7 912 345-67-89", "FI", "+79123456789"),
    ],
)
def test_it_normalises_phones_to_e164(raw, region, expected):
    assert to_e164(raw, region) == expected


@pytest.mark.parametrize("raw", ["", "abc", "12", "+358"])
def test_it_rejects_what_cannot_be_a_phone(raw):
    with pytest.raises(InvalidPhone):
        to_e164(raw, "FI")


def test_it_trims_and_lowercases_email():
    assert normalise_email("  Matti.Virtanen@Example.FI ") == "matti.virtanen@example.fi"


def test_it_accepts_international_domains():
    assert normalise_email("anna@bücher.de") == "anna@bücher.de"


@pytest.mark.parametrize("raw", ["not-an-email", "a@b", "@example.fi", "a b@example.fi", "a@@example.fi"])
def test_it_rejects_invalid_email(raw):
    with pytest.raises(InvalidEmail):
        normalise_email(raw)
