"""Staff pages for tickets: the queue list, the ticket page and the forms posted from them.

Views check the login, the permission and the queue the role may see, then call an action.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sidos.lib.paginator import CappedPaginator
from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.servicedesk import actions, sla
from sidos.servicedesk.forms import (
    BulkForm,
    MergeForm,
    NoteForm,
    PhoneTicketForm,
    ReplyForm,
    TicketFilterForm,
    UpdateForm,
)
from sidos.servicedesk.models import REFERENCE_PREFIX, CannedResponse, CsatRating, MessageKind, Queue, Ticket

PAGE_SIZE = 50


def visible_queues(user):
    if user.has_perm("servicedesk.view_all_queues"):
        return Queue.objects.all()
    return Queue.objects.filter(groups__in=user.groups.all()).distinct()


def _ticket_for(request, pk: int) -> Ticket:
    """The ticket if it is in a queue the user's role sees; otherwise 404, as if it did not exist."""
    return get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("customer", "queue", "assignee", "sla_policy"),
        pk=pk,
    )


def parse_reference(text: str) -> int | None:
    text = text.strip().upper()
    if text.startswith(REFERENCE_PREFIX):
        text = text[len(REFERENCE_PREFIX) :]
    return int(text) if text.isdigit() and len(text) < 19 else None


def filtered_tickets(user, form: TicketFilterForm):
    tickets = Ticket.objects.visible_to(user)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or ""
    query = (data.get("q") or "").strip()
    # Only with its prefix: plain digits are more often an order number in a subject.
    number = parse_reference(query) if query.upper().startswith(REFERENCE_PREFIX) else None
    if number:
        # A reference names one ticket: find it whatever its status.
        return tickets.filter(pk=number)
    if status == "":
        tickets = tickets.filter(is_open=True)
    elif status != "all":
        tickets = tickets.filter(status=status)
    if data.get("queue"):
        tickets = tickets.filter(queue=data["queue"])
    if data.get("priority"):
        tickets = tickets.filter(priority=data["priority"])
    if data.get("assignee") == "me":
        tickets = tickets.filter(assignee=user)
    elif data.get("assignee") == "none":
        tickets = tickets.filter(assignee__isnull=True)
    if query:
        tickets = tickets.filter(Q(subject__icontains=query) | Q(contact_email=query.lower()))
    # Open tickets: the nearest deadline first (served by the ticket_open_by_due index); others newest first.
    if status in ("", "new", "open", "waiting"):
        return tickets.order_by("next_due", "id")
    return tickets.order_by("-created_at", "-id")


@login_required
@permission_required("servicedesk.view_ticket", raise_exception=True)
def ticket_list(request):
    queues = visible_queues(request.user)
    form = TicketFilterForm(request.GET, queues=queues)
    tickets = filtered_tickets(request.user, form).select_related("customer", "queue", "assignee")
    page = CappedPaginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "servicedesk/list.html",
        {"form": form, "page": page, "now": timezone.now(), "bulk": BulkForm(tickets=Ticket.objects.none())},
    )


@login_required
@permission_required("servicedesk.change_ticket", raise_exception=True)
@require_POST
def bulk(request):
    form = BulkForm(request.POST, tickets=Ticket.objects.visible_to(request.user))
    if form.is_valid() and form.changes():
        try:
            count = actions.bulk_update(request.user, form.cleaned_data["tickets"], form.changes())
        except actions.TicketError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(count)d tickets changed.") % {"count": count})
    else:
        messages.error(request, _("Select tickets and a change to make."))
    return redirect(request.POST.get("next") or "servicedesk:list")


@login_required
@permission_required("servicedesk.view_ticket", raise_exception=True)
def ticket_detail(request, pk: int):
    ticket = _ticket_for(request, pk)
    audit.record(request.user, AuditAction.VIEW, "ticket", pk, customer_id=ticket.customer_id)
    now = timezone.now()
    thread = list(ticket.messages.select_related("author", "outbound").prefetch_related("attachments"))
    canned = CannedResponse.objects.filter(Q(queue__isnull=True) | Q(queue=ticket.queue_id))
    return render(
        request,
        "servicedesk/ticket.html",
        {
            "ticket": ticket,
            "thread": thread,
            "events": ticket.events.select_related("actor").order_by("-created_at", "-id")[:100],
            "now": now,
            "clocks": sla.clocks(ticket, now),
            "canned": [(item, actions.fill_placeholders(item.body, ticket)) for item in canned],
            "reply_form": ReplyForm(),
            "note_form": NoteForm(),
            "update_form": UpdateForm(
                queues=visible_queues(request.user),
                customer=ticket.customer,
                initial={
                    "order": ticket.order_id,
                    "status": ticket.status,
                    "priority": ticket.priority,
                    "ticket_type": ticket.ticket_type,
                    "queue": ticket.queue_id,
                    "assignee": ticket.assignee_id,
                    "tags": ", ".join(ticket.tags),
                },
            ),
            "merge_form": MergeForm(),
            "csat": CsatRating.objects.filter(ticket=ticket).first(),
            "merged_tickets": list(ticket.merged_tickets.all()),
            "MessageKind": MessageKind,
        },
    )


def _posted(request, pk: int, form_class):
    ticket = _ticket_for(request, pk)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return ticket, None
    return ticket, form.cleaned_data


@login_required
@permission_required("servicedesk.change_ticket", raise_exception=True)
@require_POST
def ticket_reply(request, pk: int):
    ticket, data = _posted(request, pk, ReplyForm)
    if data:
        try:
            actions.reply(
                request.user,
                ticket,
                data["text"],
                status=data["status"] or None,
                attachments=data.get("files") or (),
            )
        except actions.TicketError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Reply queued for sending."))
    return redirect(ticket)


@login_required
@permission_required("servicedesk.change_ticket", raise_exception=True)
@require_POST
def ticket_note(request, pk: int):
    ticket, data = _posted(request, pk, NoteForm)
    if data:
        try:
            actions.add_note(request.user, ticket, data["text"], attachments=data.get("files") or ())
        except actions.TicketError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Note added."))
    return redirect(ticket)


@login_required
@permission_required("servicedesk.change_ticket", raise_exception=True)
@require_POST
def ticket_update(request, pk: int):
    ticket = _ticket_for(request, pk)
    form = UpdateForm(request.POST, queues=visible_queues(request.user), customer=ticket.customer)
    if form.is_valid():
        try:
            changed = actions.update_ticket(request.user, ticket, form.changes())
        except actions.TicketError as error:
            messages.error(request, str(error))
        else:
            if changed:
                messages.success(request, _("Ticket updated."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(ticket)


@login_required
@permission_required("servicedesk.merge_ticket", raise_exception=True)
@require_POST
def ticket_merge(request, pk: int):
    ticket, data = _posted(request, pk, MergeForm)
    if data:
        number = parse_reference(data["duplicate"])
        duplicate = Ticket.objects.visible_to(request.user).filter(pk=number).first() if number else None
        if duplicate is None:
            messages.error(request, _("No ticket %(ref)s in your queues.") % {"ref": data["duplicate"]})
        else:
            try:
                actions.merge_tickets(request.user, ticket, duplicate)
            except actions.TicketError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("%(ref)s merged into this ticket.") % {"ref": duplicate.reference}
                )
    return redirect(ticket)


@login_required
@permission_required("servicedesk.view_ticket", raise_exception=True)
def attachment(request, pk: int, attachment: int):
    ticket = _ticket_for(request, pk)
    stored = ticket.attachments.filter(pk=attachment).first()
    if stored is None:
        raise Http404
    audit.record(
        request.user,
        AuditAction.VIEW,
        "ticket",
        pk,
        customer_id=ticket.customer_id,
        summary=f"{ticket.reference}: downloaded attachment {stored.filename}",
    )
    # Always a download, never shown inline: an attachment may be HTML or script from anyone.
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.filename,
        content_type="application/octet-stream",
    )


@login_required
@permission_required("servicedesk.add_ticket", raise_exception=True)
def ticket_create(request):
    queues = visible_queues(request.user)
    form = PhoneTicketForm(request.POST or None, queues=queues)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = actions.open_ticket(
                request.user,
                subject=data["subject"],
                body=data["body"],
                channel=data["channel"],
                ticket_type=data["ticket_type"],
                priority=data["priority"],
                queue=data["queue"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                acknowledge=False,
            )
        except actions.TicketError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("Ticket %(ref)s created.") % {"ref": ticket.reference})
            return redirect(ticket)
    return render(request, "servicedesk/create.html", {"form": form})
