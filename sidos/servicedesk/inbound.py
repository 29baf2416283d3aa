"""The handler sidos.mail calls for every accepted inbound message (settings.SIDOS_INBOUND_MAIL_HANDLER).

Auto-replies, bounces, loops and duplicates never get here: mail's ingest filters them. A reply joins
its ticket by the Message-IDs it references, else by the ticket reference in the subject; anything
else opens a new e-mail ticket. An exception here makes ingest quarantine the message, so nothing is lost.
"""

import re

from django.db import IntegrityError, transaction

from sidos.mail.ingest import DuplicateMessage
from sidos.mail.parsing import ParsedMessage
from sidos.servicedesk import lookups
from sidos.servicedesk.actions import add_customer_message, open_ticket
from sidos.servicedesk.models import Channel, Ticket, TicketMessage

SUBJECT_REFERENCE = re.compile(r"\[SD-(\d{1,18})\]", re.IGNORECASE)
MAX_MERGE_HOPS = 10


def _followed(ticket: Ticket) -> Ticket:
    """A message for a merged ticket belongs to the ticket it was merged into."""
    for _hop in range(MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        ticket = ticket.merged_into
    return ticket


def ticket_for(message: ParsedMessage) -> Ticket | None:
    ids = [item for item in (message.in_reply_to, *message.references) if item]
    if ids:
        known = (
            TicketMessage.objects.filter(message_id__in=ids).select_related("ticket").order_by("-id").first()
        )
        if known:
            return _followed(known.ticket)
    match = SUBJECT_REFERENCE.search(message.subject)
    if match:
        ticket = Ticket.objects.select_related("customer").filter(pk=int(match.group(1))).first()
        # A reference alone is guessable: it threads only mail from the ticket's own customer.
        if ticket and message.from_address and message.from_address in _addresses(ticket):
            return _followed(ticket)
    return None


def _addresses(ticket: Ticket) -> set[str]:
    points = ticket.customer.contact_points.filter(kind="email").values_list("value", flat=True)
    return {ticket.contact_email, ticket.customer.email, *points} - {""}


# No savepoint of its own: ingest already calls the handler in one, which undoes a failure here.
@transaction.atomic(savepoint=False)
def handle_message(message: ParsedMessage) -> str:
    try:
        return _handle(message)
    except IntegrityError:
        # open_ticket and add_customer_message roll back to their own savepoints, so the connection
        # is usable here. A concurrent ingest of the same message committed first (PostgreSQL makes
        # the second INSERT wait for it), so its row is visible now.
        if message.message_id and TicketMessage.objects.filter(message_id=message.message_id).exists():
            raise DuplicateMessage("Message-ID already on a ticket (servicedesk_message_id_unique)") from None
        raise


def _handle(message: ParsedMessage) -> str:
    ticket = ticket_for(message)
    if ticket is not None:
        add_customer_message(
            ticket,
            body=message.text,
            from_address=message.from_address,
            from_name=message.from_name,
            message_id=message.message_id,
            html=message.html,
            attachments=message.attachments,
            inbound_id=message.inbound_id,
        )
        return "threaded"
    open_ticket(
        None,
        subject=message.subject,
        body=message.text,
        channel=Channel.EMAIL,
        email=message.from_address,
        name=message.from_name,
        message_id=message.message_id,
        html=message.html,
        attachments=message.attachments,
        inbound_id=message.inbound_id,
        audit_channel="task",
    )
    return "created"


# mail-ingest enters this once around a run (sidos.mail.ingest.bulk): queue and SLA rows read once.
handle_message.bulk = lookups.cached
