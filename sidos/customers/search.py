"""Customer search that stays fast at a million rows.

Every term is a prefix match on an indexed, lower-cased column (names, e-mail, phone) or an exact
match on customer_id, so both SQLite and PostgreSQL answer from an index instead of scanning.
"""

import json
import re

import phonenumbers
from django.conf import settings
from django.db import connection
from django.db.models import Q

_DIGITS = re.compile(r"\D")
# The highest code point: "abc" <= value < "abc\U0010ffff" is exactly "value starts with abc".
_AFTER_EVERYTHING = "\U0010ffff"


def prefix(field: str, value: str) -> Q:
    if connection.vendor == "postgresql":
        # LIKE 'abc%' uses the varchar_pattern_ops indexes declared in the migrations.
        return Q(**{f"{field}__startswith": value})
    # SQLite will not use an index for LIKE … ESCAPE, which Django emits; a range does.
    return Q(**{f"{field}__gte": value, f"{field}__lt": value + _AFTER_EVERYTHING})


def matching(queryset, query: str):
    text = " ".join(query.split())
    if not text:
        return queryset
    lowered = text.lower()
    condition = Q(external_id=text) | prefix("search_name", lowered) | prefix("search_surname", lowered)
    if "@" in text or "." in text:
        condition |= prefix("email", lowered)
    digits = _DIGITS.sub("", text)
    if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) - 2:
        # Stored numbers are E.164; a local number typed with its trunk 0 is read in the default region.
        region_code = phonenumbers.country_code_for_region(settings.SIDOS_DEFAULT_PHONE_REGION)
        condition |= prefix("phone", "+" + digits) | prefix("phone", f"+{region_code}{digits.lstrip('0')}")
    return queryset.filter(condition)


def has_tag(tag: str) -> Q:
    """Customers whose tag list holds exactly this tag (tags are stored lower-cased)."""
    tag = tag.strip().lower()
    if connection.vendor == "postgresql":
        # jsonb containment, served by the GIN index from migration customers/0003.
        return Q(tags__contains=[tag])
    # SQLite has no JSON containment lookup. Django stores the list as json.dumps writes it, so the
    # quoted, escaped tag appears in the text exactly when it is an element.
    return Q(tags__icontains=json.dumps(tag))
