"""Every change to campaign data: segments, campaigns, the audience draw, suppressions, unsubscribes,
bounces, double opt-in and tracking. Each is atomic and audited; customer-facing events go on the timeline."""

import secrets
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sidos.campaigns import audience, sandbox
from sidos.campaigns.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Language,
    Segment,
    Suppression,
    SuppressionReason,
    TrackingEvent,
    TrackingKind,
    Variant,
)
from sidos.campaigns.segments import SegmentError, validate
from sidos.campaigns.suppression import erased_keys, erased_suppressed
from sidos.customers.actions import record_consent
from sidos.customers.models import ConsentChannel, ConsentPurpose, Customer
from sidos.customers.timeline import add_event
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

TIMELINE_KIND = "campaign"


class CampaignError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


@transaction.atomic
def save_segment(actor, name: str, definition, *, segment: Segment | None = None) -> Segment:
    errors = {}
    try:
        clean = validate(definition)
    except SegmentError as error:
        errors.update(error.errors)
    if not (name or "").strip():
        errors["name"] = "required"
    if errors:
        raise SegmentError(errors)
    created = segment is None
    segment = segment or Segment(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    segment.name, segment.definition = name.strip()[:200], clean
    segment.save()
    audit.record(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        "segment",
        segment.pk,
        summary=segment.name,
        changes={"definition": clean},
    )
    return segment


def _check_variants(variants: dict) -> dict[str, str]:
    errors = {}
    if not variants:
        errors["variants"] = "at least one language (fi, sv or en) needs a subject and a text part"
    for language, parts in variants.items():
        if language not in Language.values:
            errors[f"variants.{language}"] = "language must be fi, sv or en"
            continue
        for part in ("subject", "text"):
            if not (parts.get(part) or "").strip():
                errors[f"variants.{language}.{part}"] = "required"
        for part in ("subject", "subject_b", "html", "text"):
            problem = sandbox.check(parts.get(part) or "", html=part == "html")
            if problem:
                errors[f"variants.{language}.{part}"] = problem
    return errors


@transaction.atomic
def save_campaign(
    actor,
    *,
    name: str,
    segment: Segment,
    variants: dict,
    control_share="0",
    conversion_days: int = 14,
    from_email: str = "",
    campaign: Campaign | None = None,
) -> Campaign:
    """Create or edit a draft. variants: {"fi": {"subject", "html", "text"}, …}; empty ones are dropped."""
    variants = {
        lang: parts for lang, parts in variants.items() if any((v or "").strip() for v in parts.values())
    }
    errors = _check_variants(variants)
    if not (name or "").strip():
        errors["name"] = "required"
    try:
        share = Decimal(str(control_share).replace(",", "."))
        if not Decimal("0") <= share <= Decimal("0.5"):
            raise InvalidOperation
    except InvalidOperation:
        errors["control_share"] = "a share between 0 and 0.5, e.g. 0.1 for ten per cent"
    if not isinstance(conversion_days, int) or not 1 <= conversion_days <= 365:
        errors["conversion_days"] = "a number of days from 1 to 365"
    if campaign is not None and campaign.status != CampaignStatus.DRAFT:
        errors["status"] = "only a draft can be changed"
    if errors:
        raise CampaignError(errors)
    created = campaign is None
    if created:
        campaign = Campaign(created_by=actor if getattr(actor, "is_authenticated", False) else None)
        # The hold-out draw's seed, fixed once, so every resume of this campaign draws the same group.
        campaign.seed = secrets.randbelow(2**31)
    campaign.name, campaign.segment, campaign.control_share = name.strip()[:200], segment, share
    campaign.conversion_days, campaign.from_email = conversion_days, from_email.strip()
    campaign.save()
    campaign.variants.exclude(language__in=list(variants)).delete()
    for language, parts in variants.items():
        Variant.objects.update_or_create(
            campaign=campaign,
            language=language,
            defaults={key: parts.get(key) or "" for key in ("subject", "subject_b", "html", "text")},
        )
    audit.record(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        "campaign",
        campaign.pk,
        summary=campaign.name,
    )
    return campaign


@transaction.atomic
def queue_send(campaign: Campaign, actor) -> bool:
    """Mark a draft queued for the sending task; the audience is drawn there, not in the request.

    False when the campaign is no longer a draft (a second click, or someone else sent it first)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        return False
    if not campaign.variants.exists():
        raise CampaignError({"variants": "the campaign has no language variant"})
    campaign.status = CampaignStatus.QUEUED
    campaign.save(update_fields=["status"])
    audit.record(actor, AuditAction.UPDATE, "campaign", campaign.pk, summary=f"send {campaign.name}")
    return True


@transaction.atomic
def prepare_audience(campaign: Campaign, actor=None) -> dict:
    """Write the send log once: a pending or control row per eligible customer. Idempotent.

    Run by the sending task. The draw, its counts and the status change commit together under a row
    lock, so a task re-run after a crash either finds the audience written (and returns it) or draws
    it afresh with the campaign's fixed seed: never twice, and the hold-out never changes."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.audience:
        return campaign.audience
    apply_bounces()
    languages = list(campaign.variants.values_list("language", flat=True))
    if not languages:
        raise CampaignError({"variants": "the campaign has no language variant"})
    members = campaign.segment.customers()
    rows = list(audience.eligible(members).values_list("pk", "email", "language"))
    erased = erased_suppressed(row[1] for row in rows)
    rows = [row for row in rows if row[1].strip().lower() not in erased]
    control = audience.draw_control([row[0] for row in rows], campaign.control_share, campaign.seed)
    testing = campaign.variants.exclude(subject_b="").exists()
    arm_b = (
        audience.draw_arm_b([row[0] for row in rows if row[0] not in control], campaign.seed)
        if testing
        else set()
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                campaign=campaign,
                customer_id=pk,
                address=email,
                language=audience.pick_language(language, languages),
                status=DeliveryStatus.CONTROL if pk in control else DeliveryStatus.PENDING,
                arm="" if not testing or pk in control else ("b" if pk in arm_b else "a"),
            )
            for pk, email, language in rows
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    in_segment = members.count()
    with_address = members.exclude(email="")
    consented = with_address.consenting(ConsentChannel.EMAIL, ConsentPurpose.MARKETING)
    campaign.audience = {
        "segment": in_segment,
        "no_address": in_segment - with_address.count(),
        "no_consent": with_address.count() - consented.count(),
        "suppressed": consented.count() - len(rows),
        "eligible": len(rows),
        "control": len(control),
        "treatment": len(rows) - len(control),
    }
    now = timezone.now()
    campaign.status, campaign.started_at = CampaignStatus.SENDING, campaign.started_at or now
    campaign.save(update_fields=["audience", "status", "started_at"])
    audit.record(
        actor,
        AuditAction.CREATE,
        "campaign_send",
        campaign.pk,
        summary=f"audience of {campaign.name}",
        changes=campaign.audience,
        channel="task",
    )
    return campaign.audience


@transaction.atomic
def suppress(
    actor, address: str, reason: str, *, source: str, customer: Customer | None = None
) -> Suppression:
    address = address.strip().lower()
    suppression, created = Suppression.objects.get_or_create(
        address=address, defaults={"reason": reason, "source": source[:200], "customer": customer}
    )
    if created:
        audit.record(
            actor,
            AuditAction.CREATE,
            "suppression",
            suppression.pk,
            customer_id=customer.pk if customer else None,
            summary=f"{reason} via {source}"[:300],
        )
    return suppression


@transaction.atomic
def unsubscribe(delivery: Delivery, *, source: str = "unsubscribe") -> bool:
    """Withdraw marketing e-mail consent (a ledger entry) and suppress the address. True if it changed."""
    customer = delivery.customer
    actor = f"customer #{customer.pk} (unsubscribe link)"
    consent = record_consent(
        actor,
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.MARKETING,
        granted=False,
        source=source,
        note=f"campaign #{delivery.campaign_id}",
        audit_channel="campaign",
    )
    existed = Suppression.objects.filter(address=delivery.address.lower()).exists()
    suppress(
        actor,
        delivery.address,
        SuppressionReason.UNSUBSCRIBED,
        source=f"campaign #{delivery.campaign_id}",
        customer=customer,
    )
    if consent is None and existed:
        return False
    TrackingEvent.objects.create(delivery=delivery, kind=TrackingKind.UNSUBSCRIBE)
    add_event(
        customer,
        TIMELINE_KIND,
        f"Unsubscribed from marketing e-mail: {delivery.campaign.name}",
        detail={"campaign": delivery.campaign_id},
        ref_type="campaign",
        ref_id=delivery.campaign_id,
    )
    return True


def apply_bounces() -> int:
    """Suppress addresses with a permanent DSN for campaign mail; matched by Message-ID, else the send log.

    Run before every audience draw and by `sidos campaigns-bounces`. Returns the new suppressions.
    """
    from sidos.mail.models import DeliveryReport

    reports = DeliveryReport.objects.filter(action="failed", status__startswith="5")
    by_message = dict(
        Delivery.objects.filter(
            message_id__in=reports.exclude(original_message_id="").values("original_message_id")
        ).values_list("message_id", "pk")
    )
    logged = set(
        Delivery.objects.filter(address__in=reports.values("recipient")).values_list("address", flat=True)
    )
    known = set(
        Suppression.objects.filter(address__in=reports.values("recipient")).values_list("address", flat=True)
    )
    added = 0
    for report in reports.values("recipient", "original_message_id", "status"):
        address = report["recipient"].strip().lower()
        delivery_pk = by_message.get(report["original_message_id"].strip("<>"))
        if address in known or (delivery_pk is None and address not in logged):
            continue
        with transaction.atomic():
            customer_id = None
            if delivery_pk:
                Delivery.objects.filter(pk=delivery_pk).update(status=DeliveryStatus.BOUNCED)
                customer_id = (
                    Delivery.objects.filter(pk=delivery_pk).values_list("customer_id", flat=True).first()
                )
            customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
            suppress(
                "bounce processing",
                address,
                SuppressionReason.BOUNCED,
                source=f"DSN {report['status']}",
                customer=customer,
            )
        known.add(address)
        added += 1
    return added


@transaction.atomic
def record_open(delivery: Delivery) -> None:
    first = delivery.opened_at is None
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(opens=F("opens") + 1, opened_at=delivery.opened_at or now)
    TrackingEvent.objects.create(delivery=delivery, kind=TrackingKind.OPEN, occurred_at=now)
    if first:
        add_event(
            delivery.customer,
            TIMELINE_KIND,
            f"Opened campaign e-mail: {delivery.campaign.name}",
            detail={"campaign": delivery.campaign_id},
            ref_type="campaign",
            ref_id=delivery.campaign_id,
        )


@transaction.atomic
def record_click(delivery: Delivery, url: str) -> None:
    now = timezone.now()
    # A click without a loaded pixel (images off) still shows the mail was opened.
    Delivery.objects.filter(pk=delivery.pk).update(
        clicks=F("clicks") + 1, clicked_at=delivery.clicked_at or now, opened_at=delivery.opened_at or now
    )
    TrackingEvent.objects.create(delivery=delivery, kind=TrackingKind.CLICK, url=url[:2000], occurred_at=now)
    add_event(
        delivery.customer,
        TIMELINE_KIND,
        f"Clicked a link in campaign e-mail: {delivery.campaign.name}",
        detail={"campaign": delivery.campaign_id, "url": url[:500]},
        ref_type="campaign",
        ref_id=delivery.campaign_id,
    )


def request_signup(address: str, *, first_name: str = "", language: str = "") -> None:
    """Double opt-in, step 1: mail a signed, expiring confirmation link. Nothing is granted yet.

    The confirmation is a service message (the outbox, purpose "service"): it answers the person's own
    request, and marketing consent is exactly what it asks for.
    """
    from sidos.campaigns import tokens
    from sidos.customers.actions import create_customer, normalise_profile
    from sidos.mail.actions import queue_outbound

    address = normalise_profile({"email": address})["email"]
    with transaction.atomic():
        customer = Customer.objects.with_contact("email", address)
        if customer is None:
            customer = create_customer(
                "signup form",
                {"email": address, "first_name": first_name.strip()[:100], "language": language},
                source="signup",
                channel="campaign",
            )
        link = tokens.public_url("confirm", tokens.confirm_token(customer.pk, address))
        queue_outbound(
            to=[address],
            subject="Vahvista tilauksesi / Confirm your subscription",
            text=(
                "Vahvista uutiskirjeen tilaus avaamalla linkki:\n"
                f"Confirm your newsletter subscription by opening this link:\n\n{link}\n\n"
                "Jos et tilannut, ohita tämä viesti. / If you did not sign up, ignore this message.\n"
            ),
            purpose="service",
            related=f"signup:{customer.pk}",
            auto_submitted=True,
        )


@transaction.atomic
def confirm_signup(customer: Customer, address: str) -> bool:
    """Double opt-in, step 2: grant marketing e-mail consent (source "double-opt-in").

    A confirmed opt-in lifts an earlier *unsubscribe* suppression of that address (the person asked for
    mail again); a bounce or complaint suppression stays, since the address itself is the problem.
    """
    actor = f"customer #{customer.pk} (double opt-in)"
    consent = record_consent(
        actor,
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.MARKETING,
        granted=True,
        source="double-opt-in",
        note=address,
        audit_channel="campaign",
    )
    # The address may have been unsubscribed by a customer since erased (kept as a keyed hash).
    lifted = Suppression.objects.filter(
        address__in=[address.lower(), *erased_keys(address)], reason=SuppressionReason.UNSUBSCRIBED
    )
    for suppression in lifted:
        audit.record(
            actor,
            AuditAction.DELETE,
            "suppression",
            suppression.pk,
            customer_id=customer.pk,
            summary="unsubscribe lifted by a confirmed opt-in",
        )
    lifted.delete()
    return consent is not None
