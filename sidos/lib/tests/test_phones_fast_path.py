"""The fast path for plain numbers must give exactly what the full libphonenumber parser gives."""

import random

import phonenumbers
import pytest

from sidos.lib.phones import _plain_e164

REGIONS = ["FI", "SE", "NO", "DK", "RU", "EE", "DE", "GB", "US", "IT", "AR", "MX", "BR", "FR"]


def full_parser(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def candidates(rng: random.Random):
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(8000):
        shape = rng.randrange(6)
        length = rng.randint(3, 13)
        body = "".join(rng.choice("0123456789") for _ in range(length))
        if shape == 0:
            yield f"+{rng.choice(codes)}{body}"
        elif shape == 1:
            yield f"+{rng.choice(codes)} {body[:2]} {body[2:5]} {body[5:]}"
        elif shape == 2:
            yield f"0{body}"
        elif shape == 3:
            yield f"0{body[:2]}-{body[2:5]} {body[5:]}"
        elif shape == 4:
            yield f"8 ({body[:3]}) {body[3:6]}-{body[6:]}"
        else:
            yield body


@pytest.mark.parametrize("region", REGIONS)
def test_the_fast_path_agrees_with_the_full_parser(region):
    rng = random.Random(f"phones-{region}")
    used = 0
    for text in candidates(rng):
        fast = _plain_e164(text, region)
        if fast is not None:
            used += 1
            assert fast == full_parser(text, region), text
    assert used > 300  # the fast path really is taken for plain numbers


@pytest.mark.parametrize(
    "text", ["040 123 4567", "+358 40 123 4567", "+46 70 123 45 67", "8 (912) 345-67-89", "+7 912 345-67-89"]
)
def test_common_shapes_take_the_fast_path(text):
    region = "RU" if text.startswith("8") else "FI"
    fast = _plain_e164(text, region)
    assert fast is not None
    assert fast == full_parser(text, region)
