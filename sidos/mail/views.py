"""The staff quarantine: inbound mail that ingest could not process, to read, download, re-run or discard.

Raw mail is personal data from whoever sent it: every read of a message and every download is audited,
against the customer when the sender is one.
"""

from email.parser import BytesHeaderParser

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sidos.customers.models import ContactKind, Customer
from sidos.lib.paginator import CappedPaginator
from sidos.mail import actions, ingest
from sidos.mail.charsets import decode_surrogates
from sidos.mail.models import InboundMessage, InboundStatus
from sidos.mail.parsing import header_text
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

PAGE_SIZE = 50
PERMISSION = "mail.manage_quarantine"
LIST_FIELDS = (
    "pk",
    "message_id",
    "from_address",
    "subject",
    "reason",
    "detail",
    "attempts",
    "received_at",
    "size",
)


def _quarantined():
    return InboundMessage.objects.filter(status=InboundStatus.FAILED)


def _customer_id(row: InboundMessage) -> int | None:
    if not row.from_address:
        return None
    customer = Customer.objects.with_contact(ContactKind.EMAIL, row.from_address)
    return customer.pk if customer else None


@login_required
@permission_required(PERMISSION, raise_exception=True)
def quarantine_list(request):
    # Never the raw bytes in a list: a page of 50 could be hundreds of megabytes.
    rows = _quarantined().only(*LIST_FIELDS).order_by("-received_at", "-pk")
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mail/quarantine.html", {"page": page})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def quarantine_detail(request, pk: int):
    row = get_object_or_404(InboundMessage, pk=pk)
    raw = bytes(row.raw)
    # Headers only, as the sender wrote them: a message broken enough to be here may break a full parse.
    parsed = BytesHeaderParser().parsebytes(raw)
    headers = [(decode_surrogates(name), header_text(parsed, name)) for name in dict.fromkeys(parsed.keys())]
    audit.record(
        request.user,
        AuditAction.VIEW,
        "mail.inbound",
        row.pk,
        customer_id=_customer_id(row),
        summary=f"viewed quarantined mail {row.message_id}",
    )
    return render(
        request,
        "mail/quarantine_detail.html",
        {"row": row, "headers": headers, "quarantined": row.status == InboundStatus.FAILED},
    )


@login_required
@permission_required(PERMISSION, raise_exception=True)
def quarantine_raw(request, pk: int):
    row = get_object_or_404(InboundMessage, pk=pk)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        "mail.inbound",
        row.pk,
        customer_id=_customer_id(row),
        summary=f"downloaded raw mail {row.message_id}",
    )
    # A download, never shown: the message may carry HTML or script from anyone.
    response = HttpResponse(bytes(row.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="inbound-{row.pk}.eml"'
    return response


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def quarantine_reprocess(request, pk: int):
    outcome = ingest.reprocess(request.user, pk)
    labels = {
        "created": _("Processed again: a new ticket was opened."),
        "threaded": _("Processed again: the message joined its ticket."),
        "ignored": _(
            "Processed again: ignored (it was not in quarantine, or is automatic mail or a duplicate)."
        ),
        "failed": _("Processed again, and it failed again. The reason is updated below."),
    }
    (messages.error if outcome == "failed" else messages.success)(request, labels[outcome])
    return redirect("mail:quarantine_detail", pk=pk) if outcome == "failed" else redirect("mail:quarantine")


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def quarantine_discard(request, pk: int):
    if actions.discard_inbound(request.user, pk):
        messages.success(request, _("Message discarded. Its raw bytes are kept."))
    else:
        messages.error(request, _("That message is no longer in quarantine."))
    return redirect("mail:quarantine")
