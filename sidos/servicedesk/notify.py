"""The mail the service desk sends, through the outbox of sidos.mail (queued, sent and retried by a task)."""

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sidos.servicedesk import csat

MAX_REFERENCES = 20


def _queue(**kwargs):
    from sidos.mail.actions import queue_outbound  # mail is the transport; servicedesk only composes

    return queue_outbound(**kwargs)


def subject_for(ticket) -> str:
    return f"[{ticket.reference}] {ticket.subject}"


def _thread_ids(ticket) -> list[str]:
    ids = [m for m in ticket.messages.order_by("created_at", "id").values_list("message_id", flat=True) if m]
    return ids[-MAX_REFERENCES:]


def _language(ticket) -> str:
    return "fi" if ticket.customer.language == "fi" else "en"


def _greeting(ticket) -> str:
    return ticket.customer.first_name or ticket.customer.display_name


def acknowledge(ticket, *, in_reply_to: str | None):
    due = timezone.localtime(ticket.first_response_due) if ticket.first_response_due else None
    with override(_language(ticket)):
        when = formats.date_format(due, "DATETIME_FORMAT") if due else ""
        text = _(
            "Hello %(name)s,\n\nthank you for your message. We have received it as %(reference)s "
            "and will answer by %(when)s.\n\nPlease keep the reference in the subject if you write again."
        ) % {"name": _greeting(ticket), "reference": ticket.reference, "when": when}
        subject = _("We received your message") + f": {subject_for(ticket)}"
    return _queue(
        to=[ticket.contact_email],
        subject=subject,
        text=text,
        in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else [],
        auto_submitted=True,
        purpose="service",
        related=f"servicedesk.ticket:{ticket.pk}",
    )


def reply(ticket, text: str, attachments=()):
    thread = _thread_ids(ticket)
    inbound = ticket.messages.filter(kind="inbound").exclude(message_id="").order_by("-created_at", "-id")
    last_inbound = inbound.values_list("message_id", flat=True).first()
    return _queue(
        to=[ticket.contact_email],
        subject="Re: " + subject_for(ticket),
        text=text,
        in_reply_to=last_inbound or (thread[-1] if thread else None),
        references=thread,
        purpose="service",
        related=f"servicedesk.ticket:{ticket.pk}",
        attachments=attachments,
    )


def request_csat(ticket):
    with override(_language(ticket)):
        lines = [
            _("Hello %(name)s,") % {"name": _greeting(ticket)},
            "",
            _("we have resolved %(reference)s. How did we do? Click a rating (5 is best):")
            % {"reference": ticket.reference},
            "",
        ]
        lines += [f"{score}: {csat.link(ticket.pk, score)}" for score in range(5, 0, -1)]
        subject = _("How did we do?") + f" [{ticket.reference}]"
    return _queue(
        to=[ticket.contact_email],
        subject=subject,
        text="\n".join(lines),
        headers={"Auto-Submitted": "auto-generated"},
        purpose="csat",
        related=f"servicedesk.ticket:{ticket.pk}",
    )


def escalation(ticket, address: str, what: str):
    url = settings.SIDOS_PUBLIC_URL.rstrip("/") + ticket.get_absolute_url()
    text = (
        f"{ticket.reference} in queue {ticket.queue.name} has breached its {what} target "
        f"and was raised to priority {ticket.priority}.\n\n{ticket.subject}\n{url}\n"
    )
    return _queue(
        to=[address],
        subject=f"SLA breach: {subject_for(ticket)}",
        text=text,
        headers={"Auto-Submitted": "auto-generated"},
        purpose="service",
        related=f"servicedesk.ticket:{ticket.pk}",
    )
