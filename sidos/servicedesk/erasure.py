"""Tickets stay (the SLA and CSAT reports count them) but lose every personal value: subject, message
texts and senders, internal notes (staff write about the customer in them), event details, CSAT
comments and attachments (rows and files). They move to the anonymous stub like the orders."""

from django.utils.translation import gettext_lazy as _

from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register
from sidos.servicedesk.models import CsatRating, Ticket, TicketAttachment, TicketEvent, TicketMessage

ERASED_SUBJECT = "(erased)"


def anonymise_tickets(ticket_ids: list[int], delete_file, **ticket_changes) -> dict[str, int]:
    """Strip every personal value from these tickets; delete_file(storage, name) removes a file later."""
    attachments = TicketAttachment.objects.filter(ticket_id__in=ticket_ids)
    for attachment in attachments.only("file"):
        delete_file(attachment.file.storage, attachment.file.name)
    attachment_count, _by_model = attachments.delete()
    return {
        "ticket_messages": TicketMessage.objects.filter(ticket_id__in=ticket_ids).update(
            body="", html=None, from_address="", from_name=""
        ),
        "ticket_events": TicketEvent.objects.filter(ticket_id__in=ticket_ids).update(detail={}),
        "csat_comments": CsatRating.objects.filter(ticket_id__in=ticket_ids)
        .exclude(comment="")
        .update(comment=""),
        "attachments": attachment_count,
        "tickets_kept_anonymised": Ticket.objects.filter(pk__in=ticket_ids).update(
            subject=ERASED_SUBJECT, contact_email="", tags=[], **ticket_changes
        ),
    }


def erase(erasure: Erasure) -> dict[str, int]:
    ticket_ids = list(Ticket.objects.filter(customer=erasure.customer).values_list("pk", flat=True))
    return anonymise_tickets(ticket_ids, erasure.delete_file, customer=erasure.stub)


register(
    Holder(
        app="servicedesk",
        order=50,
        erase=erase,
        kinds=(
            DataKind(
                "servicedesk.tickets",
                _("Tickets, their messages, internal notes and attachments"),
                (Purpose.SERVICE,),
                LegalBasis.CONTRACT,
                _("closed tickets are anonymised after SIDOS_RETAIN_CLOSED_TICKETS_MONTHS"),
                _("kept for the reports without any text, sender or file; attachments deleted"),
            ),
            DataKind(
                "servicedesk.csat",
                _("Satisfaction ratings and comments"),
                (Purpose.SERVICE, Purpose.ANALYTICS),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as the ticket"),
                _("score kept, comment deleted"),
            ),
        ),
    )
)
