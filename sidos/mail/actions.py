"""Every change to mail data: the outbox, send attempts, received messages and their outcome."""

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sidos.mail.models import (
    DeliveryReport,
    ImapCursor,
    InboundMessage,
    InboundReason,
    InboundStatus,
    OutboundAttachment,
    OutboundMessage,
    OutboundStatus,
)
from sidos.mail.parsing import Attachment
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

# Header that marks mail we sent, so that it coming back (a forward rule, a misconfigured alias) is a loop.
LOOP_HEADER = "X-Sidos-Loop"
# Inside batched_sending(): how many queued since the last drain, when the oldest of them was, and in all.
_batch: ContextVar[dict | None] = ContextVar("mail_batched_sending", default=None)
DRAIN_EVERY = 100
# And at least this often (seconds): a run slowed by large messages or a busy database must not hold
# the first customers' acknowledgements until the hundredth message is in.
DRAIN_AFTER = 1.0
_clock = time.monotonic


def mail_domain() -> str:
    configured = getattr(settings, "SIDOS_MAIL_DOMAIN", "")
    if configured:
        return configured
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"


def loop_token() -> str:
    """A per-installation value for LOOP_HEADER: another Sidos's mail must not count as our own."""
    digest = hashlib.sha256(f"sidos-loop:{settings.SECRET_KEY}".encode()).hexdigest()
    return f"{mail_domain()};{digest[:16]}"


MESSAGE_ID_MARK = ".sidos@"


def new_message_id() -> str:
    # make_msgid puts the idstring right before the "@": every Message-ID we send contains MESSAGE_ID_MARK.
    return make_msgid(idstring="sidos", domain=mail_domain()).strip("<>")


def _clean_id(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip().strip("<>").strip() or None


@contextmanager
def batched_sending() -> Iterator[None]:
    """Queue mail without a send task per message; one outbox-draining task per DRAIN_EVERY messages,
    or sooner once the oldest undrained one has waited DRAIN_AFTER seconds.

    For bulk work (an ingest run acknowledging thousands of tickets): a task row per message was a
    statement and a millisecond of Python each. The drain task (send_due_outbound) sends every due,
    committed message, so one per batch covers them. On exit one more drain runs if anything was
    queued at all: a batch's drain registered in a transaction that rolled back never ran.
    """
    token = _batch.set({"pending": 0, "oldest": None, "total": 0})
    try:
        yield
    finally:
        queued = _batch.get()["total"]
        _batch.reset(token)
        if queued:
            _enqueue_drain()


def _enqueue_drain() -> None:
    from sidos.mail.tasks import send_due_outbound  # tasks imports actions

    transaction.on_commit(send_due_outbound.enqueue)


def _drain(batch: dict) -> None:
    batch["pending"], batch["oldest"] = 0, None
    _enqueue_drain()


def drain_if_waiting() -> None:
    """Between the messages of a batched run: drain what has waited DRAIN_AFTER already.

    For the gaps in which nothing new is queued (replies need no acknowledgement). Called outside a
    transaction, the drain is enqueued at once.
    """
    batch = _batch.get()
    if batch and batch["pending"] and _clock() - batch["oldest"] >= DRAIN_AFTER:
        _drain(batch)


def _schedule_send(message_id: int) -> None:
    batch = _batch.get()
    if batch is None:
        from sidos.mail.tasks import send_outbound  # tasks imports actions

        transaction.on_commit(lambda: send_outbound.enqueue(message_id))
        return
    now = _clock()
    batch["pending"] += 1
    batch["total"] += 1
    if batch["oldest"] is None:
        batch["oldest"] = now
    if batch["pending"] >= DRAIN_EVERY or now - batch["oldest"] >= DRAIN_AFTER:
        _drain(batch)


def queue_outbound(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | tuple = (),
    headers: dict[str, str] | None = None,
    purpose: str = "service",
    related: str = "",
    auto_submitted: bool = False,
    from_email: str = "",
    attachments: Sequence[Attachment] = (),
) -> OutboundMessage:
    """Put a message in the outbox; it is sent by a task once the surrounding transaction commits.

    auto_submitted marks acknowledgements and other automatic mail (RFC 3834 "auto-replied"), so
    well-behaved autoresponders on the other side do not answer them. attachments are stored with the
    message, so a retry after an outage sends them too.
    """
    recipients = [address.strip() for address in to if address and address.strip()]
    if not recipients:
        raise ValueError("queue_outbound: at least one recipient is needed")
    extra = {str(name): str(value) for name, value in (headers or {}).items()}
    if auto_submitted:
        extra.setdefault("Auto-Submitted", "auto-replied")
    reply_to_id = _clean_id(in_reply_to)
    chain = [ref for ref in (_clean_id(item) for item in references) if ref]
    if reply_to_id and reply_to_id not in chain:
        chain.append(reply_to_id)
    # Atomic without a savepoint: everything that can be refused was checked above, so only a
    # database error can end this block early, and that dooms the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        message = OutboundMessage.objects.create(
            message_id=new_message_id(),
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            subject=subject.replace("\r", " ").replace("\n", " ")[:998],
            text=text,
            html=html,
            in_reply_to=reply_to_id,
            references=chain,
            headers=extra,
            purpose=purpose,
            related=related,
            next_attempt_at=timezone.now(),
        )
        if attachments:
            OutboundAttachment.objects.bulk_create(
                OutboundAttachment(
                    message=message,
                    filename=item.filename[:255],
                    content_type=item.content_type[:200],
                    content=item.content,
                )
                for item in attachments
            )
        audit.record(
            None,
            AuditAction.CREATE,
            "mail.outbound",
            message.pk,
            summary=f"queued {purpose} mail to {', '.join(recipients)}",
            channel="mail",
        )
        _schedule_send(message.pk)
        return message


def claim_for_sending(message_id: int) -> OutboundMessage | None:
    """Take a due, queued message for one sender; None if another worker has it or it is not due.

    A conditional UPDATE rather than a lock held over the SMTP conversation: SQLite would block every
    other writer for as long as the remote server takes.
    """
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        pk=message_id, status=OutboundStatus.QUEUED, next_attempt_at__lte=now
    ).update(status=OutboundStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return None
    return OutboundMessage.objects.get(pk=message_id)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, capped at six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def mark_sent(message: OutboundMessage) -> None:
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.SENT, sent_at=now, last_error="", next_attempt_at=None, updated_at=now
    )


def mark_attempt_failed(message: OutboundMessage, error: str) -> OutboundMessage:
    """Back to the queue with a later attempt time, or failed for good after the last attempt."""
    message.refresh_from_db(fields=["attempts"])
    now = timezone.now()
    max_attempts = getattr(settings, "SIDOS_MAIL_MAX_ATTEMPTS", 8)
    if message.attempts >= max_attempts:
        status, next_at = OutboundStatus.FAILED, None
    else:
        status, next_at = OutboundStatus.QUEUED, now + retry_delay(message.attempts)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=status, last_error=error[:2000], next_attempt_at=next_at, updated_at=now
    )
    message.refresh_from_db()
    return message


def requeue_stale_sending(older_than: timedelta = timedelta(minutes=15)) -> int:
    """Messages left 'sending' by a worker that died mid-conversation go back to the queue.

    If the server had already accepted one, it goes out twice: SMTP has no way to ask, and a
    duplicate is better than a lost reply.
    """
    cutoff = timezone.now() - older_than
    return OutboundMessage.objects.filter(status=OutboundStatus.SENDING, updated_at__lt=cutoff).update(
        status=OutboundStatus.QUEUED,
        next_attempt_at=timezone.now(),
        last_error="worker stopped while sending",
    )


@transaction.atomic
def retry_outbound_now(message_id: int) -> bool:
    """An operator's "send again" for a message that failed for good."""
    updated = OutboundMessage.objects.filter(
        pk=message_id, status__in=[OutboundStatus.FAILED, OutboundStatus.QUEUED]
    ).update(status=OutboundStatus.QUEUED, next_attempt_at=timezone.now(), attempts=0)
    if updated:
        from sidos.mail.tasks import send_outbound

        transaction.on_commit(lambda: send_outbound.enqueue(message_id))
    return bool(updated)


def store_inbound(
    *, raw: bytes, message_id: str, source: str, from_address: str, subject: str
) -> InboundMessage:
    """The raw bytes first: whatever happens next, the message is kept."""
    row = InboundMessage.objects.create(
        message_id=message_id[:998],
        sha256=hashlib.sha256(raw).hexdigest(),
        raw=raw,
        size=len(raw),
        source=source[:500],
        from_address=from_address[:320],
        subject=subject[:500],
    )
    audit.record(
        None,
        AuditAction.CREATE,
        "mail.inbound",
        row.pk,
        summary=f"received from {source}"[:300],
        channel="mail",
    )
    return row


def finish_inbound(row: InboundMessage, status: InboundStatus, reason: str = "", detail: str = "") -> None:
    row.status = status
    row.reason = reason
    row.detail = detail
    row.attempts += 1
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "reason", "detail", "attempts", "processed_at"])


def record_delivery_reports(row: InboundMessage, reports) -> None:
    DeliveryReport.objects.bulk_create(
        [
            DeliveryReport(
                inbound=row,
                recipient=report.recipient[:320],
                original_recipient=report.original_recipient[:320],
                action=report.action[:20],
                status=report.status[:20],
                diagnostic=report.diagnostic,
                remote_mta=report.remote_mta[:255],
                original_message_id=report.original_message_id[:998],
            )
            for report in reports
        ]
    )


@transaction.atomic
def discard_inbound(actor, pk: int) -> bool:
    """Staff decided a quarantined message needs no ticket. The raw bytes stay, for the record."""
    row = InboundMessage.objects.select_for_update().filter(pk=pk, status=InboundStatus.FAILED).first()
    if row is None:
        return False
    earlier = f"{row.get_reason_display()}: {row.detail}".strip()
    finish_inbound(
        row, InboundStatus.IGNORED, InboundReason.DISCARDED, f"discarded by {actor.get_username()}\n{earlier}"
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        "mail.inbound",
        row.pk,
        summary=f"discarded quarantined mail {row.message_id}"[:300],
    )
    return True


def quarantine_unstored(*, raw: bytes, source: str, message_id: str, error: str) -> InboundMessage:
    """Last resort when processing broke before the message row committed (a database error)."""
    with transaction.atomic():
        row = store_inbound(raw=raw, message_id=message_id, source=source, from_address="", subject="")
        finish_inbound(row, InboundStatus.FAILED, InboundReason.HANDLER_ERROR, error)
    return row


def imap_cursor(mailbox: str, uidvalidity: int) -> int:
    """The highest UID already taken from this mailbox; 0 when new or its UIDVALIDITY changed."""
    cursor, _ = ImapCursor.objects.get_or_create(mailbox=mailbox[:500], defaults={"uidvalidity": uidvalidity})
    if cursor.uidvalidity != uidvalidity:
        cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
        cursor.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
    return cursor.last_uid


def advance_imap_cursor(mailbox: str, uidvalidity: int, uid: int) -> None:
    ImapCursor.objects.filter(mailbox=mailbox[:500], uidvalidity=uidvalidity, last_uid__lt=uid).update(
        last_uid=uid, updated_at=timezone.now()
    )
