"""Suppressions of erased addresses: kept as a keyed hash, so an erased person is never mailed again.

Erasing a customer must not lift their unsubscribe or bounce: the address may come back in the next
customer import, and mailing it would be both unwanted and unlawful (an objection to direct marketing
is permanent, GDPR 21(3)). Keeping the address itself would keep personal data, so the erasure
replaces it with HMAC-SHA256 of the lower-cased address under a key derived from SECRET_KEY,
stored in the same `address` column as "erased:<hex>". Nobody can read the address back from it;
the audience draw hashes each candidate address and compares. Rotating SIDOS_SECRET_KEY makes
these entries stop matching (the old key is tried too while it is in SECRET_KEY_FALLBACKS).
"""

import hashlib
import hmac

from django.conf import settings

ERASED_PREFIX = "erased:"


def _keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [f"sidos-campaigns-suppression:{secret}".encode() for secret in secrets]


def erased_key(address: str, key: bytes | None = None) -> str:
    """The stored form of an erased address's suppression."""
    key = key or _keys()[0]
    digest = hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()
    return ERASED_PREFIX + digest


def erased_keys(address: str) -> list[str]:
    """Every stored form the address can have (the current key and the fallbacks)."""
    return [erased_key(address, key) for key in _keys()]


def erased_suppressed(addresses) -> set[str]:
    """The addresses (lower-cased) among these that an erased customer's suppression still covers.

    One indexed lookup per 2,000 addresses; the audience query itself stays a single query.
    """
    from sidos.campaigns.models import Suppression

    by_key = {}
    for address in {a.strip().lower() for a in addresses if a}:
        for key in erased_keys(address):
            by_key[key] = address
    keys = list(by_key)
    found = set()
    for start in range(0, len(keys), 2000):
        chunk = keys[start : start + 2000]
        found.update(Suppression.objects.filter(address__in=chunk).values_list("address", flat=True))
    return {by_key[key] for key in found}
