"""Sending a campaign: resumable, idempotent, rate-limited, one SMTP connection per batch.

The send log (Delivery, unique per campaign and customer) is written by prepare_audience before any
mail goes out. Each batch is then claimed (status "sending", with its Message-ID) and committed BEFORE
the SMTP hand-off, and marked "sent" after it. So:

* an SMTP outage (refused connection, dropped connection, a 4xx reply) puts the not-yet-accepted rows
  of the batch back to "pending" and stops; the next run continues with them;
* a 5xx reply for one message marks only that row "failed";
* a crash of the process itself can leave at most one batch "sending": the next run marks those rows
  "in_doubt" and never sends them again — at most once, since the SMTP server may have them already.

One run at a time per campaign: a run takes the campaign's lease and renews it every batch, so a second
worker picking up the same task returns "busy" instead of racing the first.
"""

import contextlib
import datetime as dt
import secrets
import smtplib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from sidos.campaigns import actions, audience
from sidos.campaigns.composing import Composer
from sidos.campaigns.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from sidos.campaigns.suppression import erased_suppressed
from sidos.customers.models import Customer, TimelineEvent
from sidos.mail.actions import new_message_id
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

LEASE = dt.timedelta(minutes=10)


class SendInterrupted(Exception):
    """The SMTP server went away or deferred us; the campaign resumes on the next run."""


class Pacer:
    """At most `rate` messages per second (0: no limit), spread evenly; clock and sleep can be given."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def _take_lease(campaign: Campaign) -> str | None:
    token = secrets.token_hex(8)
    now = timezone.now()
    taken = Campaign.objects.filter(pk=campaign.pk).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    return token if taken.update(lease=token, lease_until=now + LEASE) else None


def _renew(campaign: Campaign, token: str) -> None:
    Campaign.objects.filter(pk=campaign.pk, lease=token).update(lease_until=timezone.now() + LEASE)


def _release(campaign: Campaign, token: str) -> None:
    Campaign.objects.filter(pk=campaign.pk, lease=token).update(lease="", lease_until=None)


@transaction.atomic
def _claim_batch(campaign: Campaign, size: int) -> list[Delivery]:
    """The next pending rows, checked again for consent and suppression, then marked "sending"."""
    batch = list(
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING)
        .select_related("customer")
        .order_by("id")[:size]
    )
    if not batch:
        return []
    # Someone may have unsubscribed, bounced or withdrawn consent since the audience was drawn.
    still = set(
        audience.eligible(Customer.objects.filter(pk__in=[row.customer_id for row in batch])).values_list(
            "pk", flat=True
        )
    )
    erased = erased_suppressed(row.address for row in batch)
    ready, skipped = [], []
    for row in batch:
        mailable = row.customer.email == row.address and row.address.lower() not in erased
        (ready if row.customer_id in still and mailable else skipped).append(row)
    if skipped:
        Delivery.objects.filter(pk__in=[row.pk for row in skipped]).update(status=DeliveryStatus.SKIPPED)
    for row in ready:
        row.status, row.message_id = DeliveryStatus.SENDING, new_message_id()
    Delivery.objects.bulk_update(ready, ["status", "message_id"])
    return ready


def _settle(campaign: Campaign, sent: list[Delivery], failed: dict[int, str], back: list[Delivery]) -> None:
    now = timezone.now()
    with transaction.atomic():
        if sent:
            Delivery.objects.filter(pk__in=[row.pk for row in sent]).update(
                status=DeliveryStatus.SENT, sent_at=now
            )
            # The batch's timeline entries in one statement (add_event would be one INSERT per recipient).
            title = f"Campaign e-mail sent: {campaign.name}"[:300]
            TimelineEvent.objects.bulk_create(
                TimelineEvent(
                    customer_id=row.customer_id,
                    kind=actions.TIMELINE_KIND,
                    title=title,
                    occurred_at=now,
                    detail={"campaign": campaign.pk},
                    ref_type="campaign",
                    ref_id=campaign.pk,
                )
                for row in sent
            )
        for pk, error in failed.items():
            Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.FAILED, error=error[:2000])
        if back:
            Delivery.objects.filter(pk__in=[row.pk for row in back]).update(
                status=DeliveryStatus.PENDING, message_id=""
            )


def _hand_off(campaign, composer, batch, pacer, connection_factory) -> None:
    sent: list[Delivery] = []
    failed: dict[int, str] = {}
    connection = None
    try:
        connection = connection_factory()
        connection.open()
        for row in batch:
            pacer.wait()
            raw = composer.raw_message(
                row.customer,
                delivery_id=row.pk,
                message_id=row.message_id,
                address=row.address,
                language=row.language,
                arm=row.arm,
            )
            try:
                # The backend opened (and authenticated) the connection; its smtplib object sends raw bytes.
                connection.connection.sendmail(composer.from_email, [row.address], raw)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                code = getattr(error, "smtp_code", None) or _first_code(error)
                if code and 500 <= code < 600:
                    failed[row.pk] = f"{type(error).__name__}: {error}"
                    # The server may still be mid-transaction for a refused recipient: reset it.
                    with contextlib.suppress(smtplib.SMTPException, OSError):
                        connection.connection.rset()
                    continue
                raise SendInterrupted(f"{type(error).__name__}: {error}") from error
            except (smtplib.SMTPException, OSError) as error:
                raise SendInterrupted(f"{type(error).__name__}: {error}") from error
            sent.append(row)
    except SendInterrupted:
        _settle(campaign, sent, failed, [row for row in batch if row not in sent and row.pk not in failed])
        raise
    except (smtplib.SMTPException, OSError) as error:  # opening the connection failed
        _settle(campaign, sent, failed, [row for row in batch if row not in sent and row.pk not in failed])
        raise SendInterrupted(f"{type(error).__name__}: {error}") from error
    finally:
        if connection is not None:
            # A server that went away cannot be told QUIT.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()
    _settle(campaign, sent, failed, [])


def _first_code(error) -> int | None:
    recipients = getattr(error, "recipients", None) or {}
    for value in recipients.values():
        return value[0]
    return None


def _default_connection():
    return get_connection(fail_silently=False, timeout=settings.SIDOS_SMTP_TIMEOUT)


def send_campaign(
    campaign_id: int,
    *,
    batch_size: int | None = None,
    rate: float | None = None,
    connection_factory=_default_connection,
) -> dict:
    """Send what is pending. Returns counts and "outcome": done, busy or interrupted (see last_error)."""
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.status == CampaignStatus.SENT:
        return {"outcome": "done", "sent": 0}
    token = _take_lease(campaign)
    if token is None:
        return {"outcome": "busy", "sent": 0}
    try:
        actions.prepare_audience(campaign)
        # Rows a crashed run left mid-hand-off: the server may have them, so they are never sent again.
        in_doubt = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.IN_DOUBT
        )
        composer = Composer(campaign)
        pacer = Pacer(settings.SIDOS_CAMPAIGN_RATE if rate is None else rate)
        size = batch_size or settings.SIDOS_CAMPAIGN_BATCH
        claimed = 0
        while batch := _claim_batch(campaign, size):
            try:
                _hand_off(campaign, composer, batch, pacer, connection_factory)
            except SendInterrupted as error:
                Campaign.objects.filter(pk=campaign.pk).update(last_error=str(error)[:2000])
                return {"outcome": "interrupted", "in_doubt": in_doubt, "error": str(error)}
            claimed += len(batch)
            _renew(campaign, token)
        with transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(
                status=CampaignStatus.SENT, finished_at=timezone.now(), last_error=""
            )
            counts = dict(
                Delivery.objects.filter(campaign=campaign)
                .values("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
            )
            audit.record(
                "campaign sender",
                AuditAction.UPDATE,
                "campaign_send",
                campaign.pk,
                summary=f"sent {campaign.name}",
                changes=counts,
                channel="task",
            )
        return {"outcome": "done", "in_doubt": in_doubt, "claimed": claimed, **counts}
    finally:
        _release(campaign, token)
