"""Invitation links: a signed, expiring token that names the invitation's random key.

The signature stops forgery and tampering, max_age makes the link expire (SIDOS_SURVEY_LINK_DAYS), and the
key is random and stored, so a valid token for one invitation says nothing about another one's.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "sidos.surveys.invitation"
FORM_SALT = "sidos.surveys.form"


def token_for(key: str) -> str:
    return signing.dumps({"k": key}, salt=SALT)


def key_from(token: str) -> str:
    """Raise signing.BadSignature (or SignatureExpired) for a forged, altered or stale link."""
    data = signing.loads(token, salt=SALT, max_age=settings.SIDOS_SURVEY_LINK_DAYS * 86400)
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        raise signing.BadSignature("no invitation in the token")
    return data["k"]


def link(key: str) -> str:
    return link_prefix() + token_for(key) + "/"


def link_prefix() -> str:
    """Every invitation link up to its token: reversed once for a whole send, not once per recipient."""
    path = reverse("survey_public:answer", args=["TOKEN"])
    return settings.SIDOS_PUBLIC_URL.rstrip("/") + path.removesuffix("TOKEN/")


def form_token(survey_id: int) -> str:
    """Put in the public form instead of a CSRF cookie: the form is embedded on other sites, where a
    third-party cookie is not sent. It proves the post came from a form we served, recently."""
    return signing.dumps({"s": survey_id}, salt=FORM_SALT)


def form_token_valid(token: str, survey_id: int) -> bool:
    try:
        data = signing.loads(token, salt=FORM_SALT, max_age=settings.SIDOS_SURVEY_FORM_TOKEN_HOURS * 3600)
    except signing.BadSignature:
        return False
    return isinstance(data, dict) and data.get("s") == survey_id
