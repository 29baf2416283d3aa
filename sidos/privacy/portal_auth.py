"""The customer portal's own login: signed one-time links and a signed session cookie.

A portal visitor is a customer, never a Django user. The session is a signed cookie holding the id of the
link row that opened it; it is not the staff session, so staff views (Django auth) cannot accept it, and
the portal reads only this cookie, so a staff login is no customer login.
"""

import functools
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.shortcuts import redirect
from django.utils import timezone

from sidos.privacy.models import PortalLinkRequest

LINK_SALT = "sidos.privacy.portal.link"
SESSION_SALT = "sidos.privacy.portal.session"
SESSION_COOKIE = "sidos_portal"


def link_max_age() -> timedelta:
    return timedelta(minutes=getattr(settings, "SIDOS_PORTAL_LINK_MINUTES", 20))


def session_max_age() -> timedelta:
    return timedelta(minutes=getattr(settings, "SIDOS_PORTAL_SESSION_MINUTES", 30))


def address_hash(address: str) -> str:
    """A keyed hash, so the rate-limit rows of unknown addresses say nothing readable about them."""
    key = f"sidos-portal-address:{settings.SECRET_KEY}".encode()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def make_link_token(link_id: int, nonce: str) -> str:
    return signing.dumps({"l": link_id, "n": nonce}, salt=LINK_SALT, compress=False)


def read_link_token(token: str) -> tuple[int, str] | None:
    """(link id, nonce) from a token signed by us and younger than the link lifetime; None otherwise."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=link_max_age())
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int) or not isinstance(data.get("n"), str):
        return None
    return data["l"], data["n"]


def start_session(response, link: PortalLinkRequest) -> None:
    response.set_signed_cookie(
        SESSION_COOKIE,
        f"{link.pk}:{link.customer_id}",
        salt=SESSION_SALT,
        max_age=int(session_max_age().total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
        path="/portal/",
    )


def end_session(response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/portal/", samesite="Lax")


def session_link(request) -> PortalLinkRequest | None:
    """The link row behind the request's portal cookie, if the cookie is ours, unexpired and not ended."""
    value = request.get_signed_cookie(
        SESSION_COOKIE, default=None, salt=SESSION_SALT, max_age=session_max_age()
    )
    if not value:
        return None
    link_id, _, customer_id = value.partition(":")
    if not (link_id.isdigit() and customer_id.isdigit()):
        return None
    return (
        PortalLinkRequest.objects.select_related("customer")
        .filter(
            pk=int(link_id),
            customer_id=int(customer_id),
            used_at__gt=timezone.now() - session_max_age(),
            ended_at__isnull=True,
        )
        .first()
    )


def portal_login_required(view):
    """Gives the view request.portal_customer and request.portal_link, or sends the visitor to log in."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        link = session_link(request)
        if link is None:
            return redirect("portal:login")
        request.portal_link = link
        request.portal_customer = link.customer
        return view(request, *args, **kwargs)

    return wrapper


def actor_label(customer) -> str:
    """How the audit log names a customer acting in the portal (they have no user account)."""
    return f"customer #{customer.pk} (portal)"
