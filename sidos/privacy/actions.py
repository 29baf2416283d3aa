"""Every change the customer portal makes: login links, portal sessions, consent changes, audited reads."""

import enum
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sidos.customers.actions import record_consent
from sidos.customers.models import Customer
from sidos.mail.actions import queue_outbound
from sidos.privacy import audit
from sidos.privacy.models import AuditAction, PortalLinkRequest
from sidos.privacy.portal_auth import (
    actor_label,
    address_hash,
    link_max_age,
    make_link_token,
    new_nonce,
    nonce_hash,
    read_link_token,
)

RATE_WINDOW = timedelta(minutes=15)


class LinkOutcome(enum.Enum):
    # SENT and NOT_ON_FILE look the same to the visitor; only the rate limits are told apart.
    SENT = "sent"
    NOT_ON_FILE = "not_on_file"
    LIMITED = "limited"


def customer_for_address(address: str) -> Customer | None:
    """The customer an address belongs to: a primary e-mail first, then any e-mail contact point."""
    address = address.strip().lower()
    if not address or "@" not in address:
        return None
    return Customer.objects.with_contact("email", address)


def _limited(address_key: str, ip: str | None) -> bool:
    since = timezone.now() - RATE_WINDOW
    per_address = getattr(settings, "SIDOS_PORTAL_LINKS_PER_ADDRESS", 3)
    per_ip = getattr(settings, "SIDOS_PORTAL_LINKS_PER_IP", 10)
    recent = PortalLinkRequest.objects.filter(created_at__gte=since)
    if recent.filter(address_hash=address_key).count() >= per_address:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= per_ip


@transaction.atomic
def request_login_link(address: str, *, ip: str | None, link_base: str) -> LinkOutcome:
    """Mail a one-time login link to `address` if it is on file; the caller answers the same either way.

    link_base is the absolute URL the token is appended to (…/portal/login/).
    """
    key = address_hash(address)
    if _limited(key, ip):
        return LinkOutcome.LIMITED
    customer = customer_for_address(address)
    link = PortalLinkRequest.objects.create(address_hash=key, ip=ip or None, customer=customer)
    if customer is None:
        return LinkOutcome.NOT_ON_FILE
    nonce = new_nonce()
    link.nonce_hash = nonce_hash(nonce)
    link.expires_at = timezone.now() + link_max_age()
    link.save(update_fields=["nonce_hash", "expires_at"])
    url = link_base + make_link_token(link.pk, nonce) + "/"
    language = customer.language if customer.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        minutes = int(link_max_age().total_seconds() // 60)
        text = render_to_string("privacy/portal/link_mail.txt", {"url": url, "minutes": minutes})
        subject = _("Your login link to see your data")
    queue_outbound(
        to=[address.strip().lower()],
        subject=subject,
        text=text,
        purpose="service",
        related=f"portal-link:{link.pk}",
        auto_submitted=True,
    )
    audit.record(
        actor_label(customer),
        AuditAction.CREATE,
        "portal.link",
        link.pk,
        customer_id=customer.pk,
        channel="portal",
        summary="portal login link requested",
    )
    return LinkOutcome.SENT


def link_for_token(token: str) -> PortalLinkRequest | None:
    """The unused, unexpired link a token names, or None (tampered, expired, used or unknown)."""
    parsed = read_link_token(token)
    if parsed is None:
        return None
    link_id, nonce = parsed
    return (
        PortalLinkRequest.objects.select_related("customer")
        .filter(
            pk=link_id,
            nonce_hash=nonce_hash(nonce),
            customer__isnull=False,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def redeem_login_link(token: str) -> PortalLinkRequest | None:
    """Use a link once: the conditional update lets exactly one of two racing requests win."""
    link = link_for_token(token)
    if link is None:
        return None
    now = timezone.now()
    if not PortalLinkRequest.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
        return None
    link.used_at = now
    audit.record(
        actor_label(link.customer),
        AuditAction.LOGIN,
        "portal.session",
        link.pk,
        customer_id=link.customer_id,
        channel="portal",
        summary="logged in to the portal with a one-time link",
    )
    return link


@transaction.atomic
def end_portal_session(link: PortalLinkRequest) -> None:
    PortalLinkRequest.objects.filter(pk=link.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    audit.record(
        actor_label(link.customer),
        AuditAction.LOGOUT,
        "portal.session",
        link.pk,
        customer_id=link.customer_id,
        channel="portal",
        summary="logged out of the portal",
    )


def record_portal_read(customer: Customer, action: AuditAction, what: str) -> None:
    audit.record(
        actor_label(customer),
        action,
        "customer",
        customer.pk,
        customer_id=customer.pk,
        channel="portal",
        summary=what,
    )


@transaction.atomic
def change_consent_from_portal(customer: Customer, *, channel: str, purpose: str, granted: bool):
    """The customer's own choice, appended to the ledger with source "portal" (audited by the action)."""
    return record_consent(
        actor_label(customer),
        customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source="portal",
        audit_channel="portal",
    )
