"""Mail in and out about a customer: received messages (raw bytes), delivery reports, the outbox.

Received rows stay as tombstones (Message-ID and hash, no bytes, sender or subject) so the same
message fetched or piped again is a duplicate instead of bringing the person back; delivery reports
about the customer's addresses are deleted; outbox rows keep their status and times without
recipients or text, and one not yet sent is failed so it never goes out.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sidos.mail.models import (
    DeliveryReport,
    InboundMessage,
    OutboundAttachment,
    OutboundMessage,
    OutboundStatus,
)
from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register


def _emails(erasure: Erasure) -> list[str]:
    return [value for value in erasure.identifiers if "@" in value]


def erase(erasure: Erasure) -> dict[str, int]:
    from sidos.privacy.models import PortalLinkRequest
    from sidos.servicedesk.models import TicketMessage

    emails = _emails(erasure)
    messages = TicketMessage.objects.filter(ticket__customer=erasure.customer)
    inbound_ids = set(messages.exclude(inbound_id=None).values_list("inbound_id", flat=True))
    by_sender = Q()
    for address in emails:
        by_sender |= Q(from_address__iexact=address)
    if emails:
        inbound_ids.update(InboundMessage.objects.filter(by_sender).values_list("pk", flat=True))
    about = Q(inbound_id__in=inbound_ids)
    for address in emails:
        about |= Q(recipient__iexact=address) | Q(original_recipient__iexact=address)
    reports = DeliveryReport.objects.filter(about)
    inbound_ids.update(reports.values_list("inbound_id", flat=True))
    report_count, _by_model = reports.delete()
    inbound_count = InboundMessage.objects.filter(pk__in=inbound_ids).update(
        raw=b"", size=0, from_address="", subject="", detail="erased", source=""
    )

    outbound = Q(pk__in=messages.exclude(outbound_id=None).values("outbound_id"))
    ticket_refs = [f"servicedesk.ticket:{pk}" for pk in erasure.customer.tickets.values_list("pk", flat=True)]
    link_refs = [
        f"portal-link:{pk}"
        for pk in PortalLinkRequest.objects.filter(customer=erasure.customer).values_list("pk", flat=True)
    ]
    outbound |= Q(related__in=ticket_refs + link_refs)
    for address in emails:
        outbound |= Q(to__icontains=address)
    outbox = OutboundMessage.objects.filter(outbound)
    outbound_ids = list(outbox.values_list("pk", flat=True))
    attachments, _by_model = OutboundAttachment.objects.filter(message_id__in=outbound_ids).delete()
    OutboundMessage.objects.filter(pk__in=outbound_ids, status=OutboundStatus.QUEUED).update(
        status=OutboundStatus.FAILED, next_attempt_at=None
    )
    outbound_count = OutboundMessage.objects.filter(pk__in=outbound_ids).update(
        to=[], subject="", text="", html=None, headers={}, last_error="erased", related=""
    )
    return {
        "inbound_messages": inbound_count,
        "delivery_reports": report_count,
        "outbound_messages": outbound_count,
        "outbound_attachments": attachments,
    }


register(
    Holder(
        app="mail",
        order=40,
        erase=erase,
        kinds=(
            DataKind(
                "mail.inbound",
                _("Received e-mail, raw message and attachments"),
                (Purpose.SERVICE,),
                LegalBasis.CONTRACT,
                _("raw bytes are dropped after SIDOS_RETAIN_RAW_MAIL_DAYS"),
                _("bytes, sender and subject deleted; Message-ID kept to refuse it again"),
            ),
            DataKind(
                "mail.outbound",
                _("Sent e-mail and its attachments"),
                (Purpose.SERVICE, Purpose.MARKETING),
                LegalBasis.CONTRACT,
                _("as the ticket it belongs to"),
                _("recipients, text and attachments deleted; status kept"),
            ),
            DataKind(
                "mail.delivery_reports",
                _("Bounces (delivery reports) about the customer's addresses"),
                (Purpose.MARKETING,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as the received message"),
                _("deleted"),
            ),
        ),
    )
)
