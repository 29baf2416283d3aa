"""Background mail work, run by `sidos worker` (Django Tasks): sending the outbox, with retries."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django_tasks import task

from sidos.mail import actions
from sidos.mail.models import OutboundMessage, OutboundStatus

log = logging.getLogger(__name__)


def build_email(message: OutboundMessage, connection=None) -> EmailMultiAlternatives:
    headers = dict(message.headers)
    headers["Message-ID"] = f"<{message.message_id}>"
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{message.in_reply_to}>"
    if message.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in message.references)
    headers[actions.LOOP_HEADER] = actions.loop_token()
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
        headers=headers,
        connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for item in message.attachments.all():
        email.attach(item.filename, bytes(item.content), item.content_type or "application/octet-stream")
    return email


def send_one(message_id: int) -> str:
    """One attempt at one message: 'sent', 'retry', 'failed' or 'skipped' (not due or taken)."""
    message = actions.claim_for_sending(message_id)
    if message is None:
        return "skipped"
    try:
        connection = get_connection(fail_silently=False, timeout=getattr(settings, "SIDOS_SMTP_TIMEOUT", 30))
        build_email(message, connection).send()
    except Exception as error:  # any transport failure: SMTP codes, refused connections, TLS, DNS
        message = actions.mark_attempt_failed(message, f"{type(error).__name__}: {error}")
        log.warning("sending mail %s failed (attempt %s): %s", message.pk, message.attempts, error)
        if message.status == OutboundStatus.QUEUED:
            # Backends that cannot defer (immediate) leave the retry to `sidos mail-send-due`.
            if send_outbound.get_backend().supports_defer:
                send_outbound.using(run_after=message.next_attempt_at).enqueue(message.pk)
            return "retry"
        return "failed"
    actions.mark_sent(message)
    return "sent"


@task()
def send_outbound(message_id: int) -> str:
    return send_one(message_id)


def send_due(limit: int = 500) -> dict:
    """Every queued message whose next attempt is due, oldest first (a cron or periodic-task fallback)."""
    actions.requeue_stale_sending()
    due = list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    for pk in due:
        outcomes[send_one(pk)] += 1
    return outcomes


@task()
def send_due_outbound() -> dict:
    return send_due()


@task()
def poll_mailbox() -> dict:
    """One IMAP poll of SIDOS_IMAP_URL, as `sidos mail-poll` does; scheduled by `sidos worker`."""
    from sidos.mail.imap import poll

    return poll().as_dict()
