"""/api/v1/tickets: thin over servicedesk.actions — check the permission and the queue, validate, act."""

from django.contrib.auth import get_user_model
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic.json_schema import SkipJsonSchema

from sidos.accounts.api import require_permission
from sidos.customers.models import Customer
from sidos.lib.apifields import Id, optional, responses
from sidos.lib.pagination import Pagination, page
from sidos.orders.models import Order
from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.servicedesk import actions, schemas, uploads
from sidos.servicedesk.actions import TicketError
from sidos.servicedesk.models import Channel, Priority, Queue, Ticket, TicketType
from sidos.servicedesk.models import Status as TicketStatus

router = Router(tags=["tickets"])


class TicketFilters(Schema):
    status: TicketStatus | SkipJsonSchema[None] = optional()
    open: bool | SkipJsonSchema[None] = optional("true: new, open or waiting; false: resolved or closed")
    priority: Priority | SkipJsonSchema[None] = optional()
    ticket_type: TicketType | SkipJsonSchema[None] = optional()
    queue_id: Id | SkipJsonSchema[None] = optional()
    assignee_id: Id | SkipJsonSchema[None] = optional()
    customer_id: Id | SkipJsonSchema[None] = optional()


def _visible(request):
    return Ticket.objects.visible_to(request.auth).select_related("queue", "assignee")


def _ticket(request, id: int) -> Ticket:
    return get_object_or_404(_visible(request), pk=id)


def _queue(request, queue_id: int) -> Queue:
    from sidos.servicedesk.views import visible_queues

    queue = visible_queues(request.auth).filter(pk=queue_id).first()
    if queue is None:
        raise TicketError(f"no queue #{queue_id} that you may use", "queue_id")
    return queue


def _order(order_id: int | None) -> Order | None:
    if order_id is None:
        return None
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise TicketError(f"no order #{order_id}", "order_id")
    return order


@router.get("", response=responses({200: schemas.TicketPage}, 401, 403, 422))
def list_tickets(request, filters: Query[TicketFilters], pagination: Query[Pagination]):
    """Open tickets sort by their nearest SLA deadline; the others newest first."""
    require_permission(request, "servicedesk.view_ticket")
    tickets = _visible(request)
    for field in ("status", "priority", "ticket_type", "queue_id", "assignee_id", "customer_id"):
        value = getattr(filters, field)
        if value is not None:
            tickets = tickets.filter(**{field: value})
    if filters.open is not None:
        tickets = tickets.filter(is_open=filters.open)
    if filters.open or filters.status in ("new", "open", "waiting"):
        tickets = tickets.order_by("next_due", "id")
    else:
        tickets = tickets.order_by("-created_at", "-id")
    return page(tickets, pagination)


@router.post("", response=responses({201: schemas.TicketOut}, 400, 401, 403, 422))
def create(request, payload: schemas.TicketIn):
    require_permission(request, "servicedesk.add_ticket")
    customer = None
    if payload.customer_id is not None:
        customer = Customer.objects.filter(pk=payload.customer_id).first()
        if customer is None:
            raise TicketError(f"no customer #{payload.customer_id}", "customer_id")
    ticket = actions.open_ticket(
        request.auth,
        subject=payload.subject,
        body=payload.body,
        channel=Channel.API,
        ticket_type=payload.ticket_type,
        priority=payload.priority,
        queue=_queue(request, payload.queue_id) if payload.queue_id else None,
        customer=customer,
        email=payload.email or "",
        phone=payload.phone or "",
        name=payload.name or "",
        order=_order(payload.order_id),
        tags=payload.tags,
        audit_channel="api",
    )
    return Status(201, _visible(request).get(pk=ticket.pk))


@router.get("/{id}", response=responses({200: schemas.TicketDetailOut}, 401, 403, 404, 422))
def detail(request, id: Id):
    """The ticket with its whole thread, internal notes included (staff only)."""
    require_permission(request, "servicedesk.view_ticket")
    ticket = _ticket(request, id)
    audit.record(
        request.auth, AuditAction.VIEW, "ticket", ticket.pk, customer_id=ticket.customer_id, channel="api"
    )
    return ticket


@router.patch("/{id}", response=responses({200: schemas.TicketOut}, 400, 401, 403, 404, 422))
def update(request, id: Id, payload: schemas.TicketPatch):
    require_permission(request, "servicedesk.change_ticket")
    ticket = _ticket(request, id)
    data = payload.model_dump(exclude_unset=True)
    changes = {key: data[key] for key in ("status", "priority", "ticket_type", "tags") if key in data}
    if "queue_id" in data:
        changes["queue"] = _queue(request, data["queue_id"])
    if "assignee_id" in data:
        assignee = None
        if data["assignee_id"] is not None:
            assignee = get_user_model().objects.filter(pk=data["assignee_id"], is_active=True).first()
            if assignee is None:
                raise TicketError(f"no user #{data['assignee_id']}", "assignee_id")
        changes["assignee"] = assignee
    if "order_id" in data:
        changes["order"] = _order(data["order_id"])
    actions.update_ticket(request.auth, ticket, changes, audit_channel="api")
    return _ticket(request, id)


@router.post("/{id}/reply", response=responses({201: schemas.MessageOut}, 400, 401, 403, 404, 422))
def reply(request, id: Id, payload: schemas.ReplyIn):
    """Send the customer a reply by e-mail (through the outbox); the first reply stops the response clock."""
    require_permission(request, "servicedesk.change_ticket")
    ticket = _ticket(request, id)
    message = actions.reply(request.auth, ticket, payload.text, status=payload.status, audit_channel="api")
    return Status(201, message)


@router.post("/{id}/notes", response=responses({201: schemas.MessageOut}, 400, 401, 403, 404, 422))
def note(request, id: Id, payload: schemas.NoteIn):
    """An internal note: staff see it, the customer never does."""
    require_permission(request, "servicedesk.change_ticket")
    ticket = _ticket(request, id)
    return Status(201, actions.add_note(request.auth, ticket, payload.text, audit_channel="api"))


def _files(files: list[UploadedFile] | None) -> list:
    cleaned, errors = uploads.clean_uploads(uploads.from_django(files or []))
    if errors:
        raise TicketError(" ".join(errors), "files")
    return cleaned


FILES_DESCRIPTION = (
    f"up to {uploads.MAX_FILES} files, each within the mail attachment limit; executables and scripts "
    "(.exe, .js, .bat, …) are refused with 400"
)


@router.post(
    "/{id}/reply/multipart",
    response=responses({201: schemas.MessageOut}, 400, 401, 403, 404, 422),
    openapi_extra={"description": f"A reply with files, as multipart/form-data: {FILES_DESCRIPTION}."},
)
def reply_with_files(
    request, id: Id, payload: Form[schemas.ReplyForm], files: File[list[UploadedFile]] = None
):
    """Send the customer a reply with attachments; they go out with the e-mail and stay on the ticket."""
    require_permission(request, "servicedesk.change_ticket")
    ticket = _ticket(request, id)
    message = actions.reply(
        request.auth,
        ticket,
        payload.text,
        status=payload.status,
        attachments=_files(files),
        audit_channel="api",
    )
    return Status(201, message)


@router.post(
    "/{id}/notes/multipart",
    response=responses({201: schemas.MessageOut}, 400, 401, 403, 404, 422),
    openapi_extra={
        "description": f"An internal note with files, as multipart/form-data: {FILES_DESCRIPTION}."
    },
)
def note_with_files(request, id: Id, payload: Form[schemas.NoteForm], files: File[list[UploadedFile]] = None):
    """An internal note with attachments: staff see them, the customer never does."""
    require_permission(request, "servicedesk.change_ticket")
    ticket = _ticket(request, id)
    note = actions.add_note(
        request.auth, ticket, payload.text, attachments=_files(files), audit_channel="api"
    )
    return Status(201, note)


@router.get(
    "/{id}/attachments/{attachment_id}",
    response=responses({}, 401, 403, 404, 422),
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, always as a download",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request, id: Id, attachment_id: Id):
    require_permission(request, "servicedesk.view_ticket")
    ticket = _ticket(request, id)
    stored = get_object_or_404(ticket.attachments, pk=attachment_id)
    audit.record(
        request.auth,
        AuditAction.VIEW,
        "ticket",
        ticket.pk,
        customer_id=ticket.customer_id,
        summary=f"{ticket.reference}: downloaded attachment {stored.filename}",
        channel="api",
    )
    # Never inline: an attachment may be HTML or script from anyone.
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.filename,
        content_type="application/octet-stream",
    )
