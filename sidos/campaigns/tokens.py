"""Signed tokens in campaign links: open pixel, click redirect, unsubscribe, double opt-in confirmation.

Each is an HMAC (Django signing, the secret key) over the delivery id (and the URL for a click) with
its own salt, so one kind cannot stand in for another and none can be guessed or altered. Delivery
links work for SIDOS_CAMPAIGN_LINK_DAYS; an opt-in link for SIDOS_SIGNUP_LINK_HOURS.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

OPEN, CLICK, UNSUBSCRIBE, CONFIRM = (
    f"sidos.campaigns.{kind}" for kind in ("open", "click", "unsub", "confirm")
)


def _max_age() -> int:
    return settings.SIDOS_CAMPAIGN_LINK_DAYS * 86400


def public_url(name: str, token: str) -> str:
    return settings.SIDOS_PUBLIC_URL.rstrip("/") + reverse(f"campaigns_public:{name}", args=[token])


def url_maker(name: str):
    """public_url for many tokens: reverse() once (it was a third of the time of rendering a message)."""
    prefix, _marker, suffix = public_url(name, "TOKEN").rpartition("TOKEN")
    return lambda token: f"{prefix}{token}{suffix}"


def delivery_token(delivery_id: int, salt: str) -> str:
    return signing.dumps(delivery_id, salt=salt)


def delivery_from(token: str, salt: str) -> int:
    """The delivery id; signing.BadSignature (or SignatureExpired) for a forged, altered or stale token."""
    return int(signing.loads(token, salt=salt, max_age=_max_age()))


def click_token(delivery_id: int, url: str) -> str:
    return signing.dumps([delivery_id, url], salt=CLICK, compress=True)


def click_from(token: str) -> tuple[int, str]:
    delivery_id, url = signing.loads(token, salt=CLICK, max_age=_max_age())
    return int(delivery_id), str(url)


def confirm_token(customer_id: int, address: str) -> str:
    return signing.dumps({"c": customer_id, "a": address}, salt=CONFIRM)


def confirm_from(token: str) -> tuple[int, str]:
    data = signing.loads(token, salt=CONFIRM, max_age=settings.SIDOS_SIGNUP_LINK_HOURS * 3600)
    return int(data["c"]), str(data["a"])
