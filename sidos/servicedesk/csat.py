"""One-click satisfaction links: signed with the secret key, valid for SIDOS_CSAT_LINK_DAYS."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "sidos.servicedesk.csat"


def token_for(ticket_id: int) -> str:
    return signing.dumps({"ticket": ticket_id}, salt=SALT, compress=True)


def ticket_id_from(token: str) -> int:
    """Raise signing.BadSignature (or its SignatureExpired) for a forged, altered or stale link."""
    data = signing.loads(token, salt=SALT, max_age=settings.SIDOS_CSAT_LINK_DAYS * 86400)
    return int(data["ticket"])


def link(ticket_id: int, score: int | None = None) -> str:
    url = settings.SIDOS_PUBLIC_URL.rstrip("/") + reverse("help:csat", args=[token_for(ticket_id)])
    return f"{url}?score={score}" if score else url
