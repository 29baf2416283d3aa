"""Every change the customer portal makes: login links, portal sessions, consent changes, audited reads."""

import enum
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sidos.customers.actions import record_consent, update_customer
from sidos.customers.models import Customer, CustomerKind, Stage
from sidos.customers.timeline import add_event
from sidos.mail.actions import queue_outbound
from sidos.privacy import audit
from sidos.privacy.identifiers import identifiers_of
from sidos.privacy.models import (
    OPEN_REQUEST_STATUSES,
    AuditAction,
    DataSubjectRequest,
    ErasureReceipt,
    PortalLinkRequest,
    RequestKind,
    RequestStatus,
)
from sidos.privacy.portal_auth import (
    actor_label,
    address_hash,
    link_max_age,
    make_link_token,
    new_nonce,
    nonce_hash,
    read_link_token,
)
from sidos.privacy.registry import Erasure, holders
from sidos.privacy.requests import due_for

RATE_WINDOW = timedelta(minutes=15)
# The anonymous customer that an erased customer's kept records (orders, tickets) belong to.
ERASED_NAME = "Erased customer"


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


class ErasureError(Exception):
    pass


class AlreadyErased(ErasureError):
    def __init__(self, receipt: ErasureReceipt):
        self.receipt = receipt
        super().__init__(
            f"customer #{receipt.customer_id} was already erased on {receipt.created_at:%Y-%m-%d %H:%M} "
            f"(receipt {receipt.pk}); nothing to do"
        )


def erased_receipt(customer_id: int) -> ErasureReceipt | None:
    """The receipt of an erased customer id, or of the anonymous stub that id now is."""
    return (
        ErasureReceipt.objects.filter(Q(customer_id=customer_id) | Q(stub_id=customer_id))
        .order_by("pk")
        .first()
    )


def erase_customer(
    customer: Customer, *, reason: str, actor=None, channel: str = "web", request=None
) -> ErasureReceipt:
    """Anonymise one customer everywhere, in one transaction, and return the erasure receipt.

    Every registered holder (privacy/registry.py) removes or anonymises its part; records the law
    requires to be kept (orders) move to a new anonymous stub customer; then the customer row goes with
    everything that cascades from it. Files are deleted after the commit. Erasing an erased customer
    (or its stub) raises AlreadyErased and changes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ErasureError("an erasure needs a reason (e.g. the request it answers)")
    with transaction.atomic():
        receipt = erased_receipt(customer.pk)
        if receipt is not None:
            raise AlreadyErased(receipt)
        customer = Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if customer is None:
            raise ErasureError("no such customer")
        _check_registered()
        identifiers, distinctive = identifiers_of(customer)
        stub = Customer(
            kind=CustomerKind.PERSON, name=ERASED_NAME, stage=Stage.FORMER, created_at=customer.created_at
        )
        stub.refresh_search_keys()
        stub.save()
        erasure = Erasure(
            customer=customer, stub=stub, identifiers=identifiers, distinctive=distinctive, now=timezone.now()
        )
        counts = {}
        for holder in holders():
            if holder.erase is not None:
                counts[holder.app] = {k: v for k, v in holder.erase(erasure).items() if v}
        former_id = customer.pk
        customer.delete()  # a PROTECT relation no holder handled stops the erasure here, rolled back
        erasure.schedule_file_deletions()
        receipt = ErasureReceipt.objects.create(
            customer_id=former_id,
            stub=stub,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=_actor_name(actor),
            channel=channel,
            reason=reason[:500],
            counts=counts,
        )
        add_event(
            stub, "erased", f"Personal data of customer #{former_id} erased", detail={"receipt": receipt.pk}
        )
        audit.record(
            actor,
            AuditAction.ERASE,
            "customer",
            former_id,
            customer_id=former_id,
            channel=channel,
            summary=f"erased customer #{former_id}; kept records moved to #{stub.pk}",
            changes={"receipt": receipt.pk, "stub": stub.pk, "counts": counts},
        )
        if request is not None:
            DataSubjectRequest.objects.filter(pk=request.pk).update(
                status=RequestStatus.DONE, completed_at=erasure.now, receipt=receipt
            )
    return receipt


def _check_registered() -> None:
    """Every app with a relation to customers must declare its erasure: a SET_NULL row left behind
    would keep its personal text with nobody to erase it for."""
    registered = {holder.app for holder in holders()}
    for relation in Customer._meta.related_objects:
        app = relation.related_model._meta.app_label
        if app not in registered:
            raise ErasureError(
                f"{relation.related_model._meta.label} refers to customers but the {app} app declares no "
                "erasure (an erasure.py registering a Holder, see sidos/privacy/registry.py)"
            )


def _actor_name(actor) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return str(actor) if actor else "system"


class RequestError(Exception):
    pass


@transaction.atomic
def create_request(
    actor, customer: Customer, kind: str, *, source: str = "staff", note: str = "", channel: str = "web"
) -> DataSubjectRequest:
    """Record a data-subject request, due 30 days after receipt; an open one of the same kind is reused,
    so a customer pressing "erase me" twice makes one request."""
    if kind not in RequestKind.values:
        raise RequestError(f"unknown request kind {kind!r}")
    open_one = DataSubjectRequest.objects.filter(
        customer=customer, kind=kind, status__in=OPEN_REQUEST_STATUSES
    ).first()
    if open_one is not None:
        return open_one
    now = timezone.now()
    request = DataSubjectRequest.objects.create(
        kind=kind,
        customer=customer,
        customer_id_at_receipt=customer.pk,
        source=source,
        received_at=now,
        due_at=due_for(now),
        note=note.strip()[:500],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    add_event(
        customer,
        "privacy_request",
        f"{kind.capitalize()} request received",
        ref_type="privacy_request",
        ref_id=request.pk,
        actor=actor,
    )
    audit.record(
        actor,
        AuditAction.REQUEST,
        "privacy.request",
        request.pk,
        customer_id=customer.pk,
        channel=channel,
        summary=f"{kind} request received ({source})",
    )
    return request


def request_erasure_from_portal(customer: Customer) -> DataSubjectRequest:
    """The customer asked, logged in by the one-time link: that login is the confirmation of identity."""
    return create_request(
        actor_label(customer), customer, RequestKind.ERASURE, source="portal", channel="portal"
    )


def _check_decider(actor) -> None:
    # The views check this too; the action refuses anyway, so no other caller can skip the approval step.
    if not getattr(actor, "has_perm", None) or not actor.has_perm("privacy.approve_erasure"):
        raise RequestError("only a privacy officer may decide a data-subject request")


def approve_request(actor, request: DataSubjectRequest, *, note: str = "") -> DataSubjectRequest:
    """Approve: an erasure request erases the customer at once (in the erasure's transaction); the
    other kinds are marked done, as the officer has answered them."""
    _check_decider(actor)
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in OPEN_REQUEST_STATUSES:
            raise RequestError(f"request #{request.pk} is already {request.status}")
        now = timezone.now()
        request.status = RequestStatus.APPROVED
        request.decided_by, request.decided_at = actor, now
        if note:
            request.note = note.strip()[:500]
        request.save(update_fields=["status", "decided_by", "decided_at", "note"])
        audit.record(
            actor,
            AuditAction.DECIDE,
            "privacy.request",
            request.pk,
            customer_id=request.customer_id_at_receipt,
            summary=f"{request.kind} request approved",
        )
        if request.kind == RequestKind.ERASURE and request.customer is not None:
            erase_customer(
                request.customer, reason=f"data-subject request #{request.pk}", actor=actor, request=request
            )
        else:
            request.status, request.completed_at = RequestStatus.DONE, now
            request.save(update_fields=["status", "completed_at"])
    request.refresh_from_db()
    return request


@transaction.atomic
def reject_request(actor, request: DataSubjectRequest, *, note: str) -> DataSubjectRequest:
    _check_decider(actor)
    note = (note or "").strip()
    if not note:
        raise RequestError("say why the request is rejected")
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in OPEN_REQUEST_STATUSES:
        raise RequestError(f"request #{request.pk} is already {request.status}")
    now = timezone.now()
    request.status, request.decided_by, request.decided_at, request.completed_at = (
        RequestStatus.REJECTED,
        actor,
        now,
        now,
    )
    request.note = note[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "completed_at", "note"])
    audit.record(
        actor,
        AuditAction.DECIDE,
        "privacy.request",
        request.pk,
        customer_id=request.customer_id_at_receipt,
        summary=f"{request.kind} request rejected",
    )
    return request


# Correction from the portal. A new e-mail address replaces the old one only once its owner opens a
# signed link mailed to it; the token names the address it replaces, so it works once (after the change
# the old address no longer matches) and never after SIDOS_PORTAL_VERIFY_HOURS.
EMAIL_CHANGE_SALT = "sidos.privacy.email-change"
PORTAL_EDITABLE = ("first_name", "last_name", "phone", "street", "postal_code", "city")


def verify_max_age() -> timedelta:
    return timedelta(hours=getattr(settings, "SIDOS_PORTAL_VERIFY_HOURS", 24))


@transaction.atomic
def correct_from_portal(customer: Customer, data: dict, *, verify_base: str) -> tuple[dict, bool]:
    """Apply the customer's corrections; returns (changed fields, whether a verification mail went out)."""
    changes = update_customer(
        actor_label(customer),
        customer,
        {key: value for key, value in data.items() if key in PORTAL_EDITABLE},
        source="portal",
        channel="portal",
    )
    new_email = (data.get("email") or "").strip().lower()
    mailed = bool(new_email) and new_email != customer.email
    if mailed:
        token = signing.dumps({"c": customer.pk, "e": new_email, "o": customer.email}, salt=EMAIL_CHANGE_SALT)
        language = (
            customer.language if customer.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        )
        with translation.override(language):
            text = render_to_string(
                "privacy/portal/verify_mail.txt",
                {"url": f"{verify_base}{token}/", "hours": int(verify_max_age().total_seconds() // 3600)},
            )
            subject = _("Confirm your new e-mail address")
        queue_outbound(
            to=[new_email],
            subject=subject,
            text=text,
            purpose="service",
            related=f"portal-verify:{customer.pk}",
        )
        audit.record(
            actor_label(customer),
            AuditAction.UPDATE,
            "customer",
            customer.pk,
            customer_id=customer.pk,
            channel="portal",
            summary="new e-mail address given; verification mailed",
            changes={"email": [customer.email, new_email]},
        )
    return changes, mailed


def read_email_change(token: str) -> tuple[Customer, str] | None:
    """(customer, new address) for a valid, unused, unexpired token, else None."""
    try:
        payload = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=verify_max_age())
    except signing.BadSignature:  # also SignatureExpired
        return None
    customer = Customer.objects.filter(pk=payload.get("c"), email=payload.get("o", "")).first()
    return (customer, payload["e"]) if customer else None


class CorrectionError(Exception):
    pass


@transaction.atomic
def confirm_email_change(token: str) -> Customer:
    found = read_email_change(token)
    if found is None:
        raise CorrectionError(_("This link has expired or has been used."))
    customer, new_email = found
    owner = Customer.objects.with_contact("email", new_email)
    if owner is not None and owner.pk != customer.pk:
        # Said only to whoever reads the mailbox of that address, who may know.
        raise CorrectionError(_("This address belongs to another customer record; please contact us."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    update_customer(actor_label(customer), customer, {"email": new_email}, source="portal", channel="portal")
    return customer
