"""Every change to tickets goes through these functions: staff views, the API, inbound mail, the SLA task.

Each one is atomic, records a TicketEvent, writes the audit log, and puts what the customer would
recognise (a ticket opened, resolved, rated) on the customer's timeline.
"""

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from sidos.customers.actions import create_customer
from sidos.customers.models import ContactKind, Customer
from sidos.customers.timeline import add_event
from sidos.lib.emails import InvalidEmail, normalise_email
from sidos.lib.phones import to_e164
from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.servicedesk import lookups, notify, sla
from sidos.servicedesk.models import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    MessageKind,
    Priority,
    Queue,
    Status,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
    TicketType,
    Tier,
)

TIMELINE_KIND = "ticket"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class TicketError(ValueError):
    """A change that cannot be made; the message says why and `field` names the input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _event(ticket: Ticket, kind: str, actor=None, **detail) -> TicketEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=user, detail=detail)


def _audit(actor, action, ticket: Ticket, summary: str, channel: str, changes: dict | None = None):
    audit.record(
        actor,
        action,
        "ticket",
        ticket.pk,
        customer_id=ticket.customer_id,
        summary=f"{ticket.reference}: {summary}",
        changes=changes,
        channel=channel,
    )


def default_queue() -> Queue:
    return lookups.get("default_queue", _default_queue)


def _default_queue() -> Queue:
    queue = Queue.objects.filter(is_default=True).first() or Queue.objects.order_by("pk").first()
    if queue is None:
        # Normally made by migration 0002; recreated as it was there if someone deleted every queue.
        from django.contrib.auth.models import Group

        from sidos.accounts.models import Role

        queue = Queue.objects.create(name="General", is_default=True)
        queue.groups.set(Group.objects.filter(name=Role.AGENT))
    return queue


def find_or_create_customer(*, email: str = "", phone: str = "", name: str = "") -> Customer:
    """The customer with this e-mail address (primary or earlier), else phone, else a minimal new one."""
    return _find_or_create_customer(email=email, phone=phone, name=name)[0]


def _find_or_create_customer(*, email: str, phone: str, name: str) -> tuple[Customer, bool]:
    clean_email = ""
    if email:
        try:
            clean_email = normalise_email(email)
        except InvalidEmail as error:
            raise TicketError(str(error), "email")
    clean_phone = ""
    if phone:
        try:
            clean_phone = to_e164(phone, settings.SIDOS_DEFAULT_PHONE_REGION)
        except ValueError as error:
            raise TicketError(str(error), "phone")
    for kind, value in ((ContactKind.EMAIL, clean_email), (ContactKind.PHONE, clean_phone)):
        if not value:
            continue
        found = Customer.objects.with_contact(kind, value)
        if found is not None:
            return found, False
    if not clean_email and not clean_phone:
        raise TicketError("a ticket needs the customer's e-mail address or phone number", "email")
    first, _space, last = name.strip().partition(" ")
    data = {"email": clean_email, "phone": clean_phone, "first_name": first[:100], "last_name": last[:100]}
    return create_customer(None, data, source="servicedesk", channel="task"), True


def _store_attachments(ticket: Ticket, message: TicketMessage, attachments) -> None:
    for attachment in attachments:
        if len(attachment.content) > MAX_ATTACHMENT_BYTES:
            raise TicketError(f"attachment {attachment.filename!r} is larger than 20 MB", "attachments")
        stored = TicketAttachment(
            ticket=ticket,
            message=message,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:200],
            size=len(attachment.content),
        )
        stored.file.save(attachment.filename or "attachment", ContentFile(attachment.content), save=False)
        stored.save()


def _check_staff_attachments(attachments) -> None:
    """Staff uploads share the limit of mail attachments: what we accept we must also be able to send.
    The views and the API clean uploads first (sidos.servicedesk.uploads); this holds for any caller."""
    from sidos.servicedesk.uploads import BLOCKED_EXTENSIONS, MAX_FILES

    limit = settings.SIDOS_MAIL_MAX_ATTACHMENT_BYTES
    if len(attachments) > MAX_FILES:
        raise TicketError(f"at most {MAX_FILES} files at a time", "attachments")
    for attachment in attachments:
        if len(attachment.content) > limit:
            raise TicketError(
                f"attachment {attachment.filename!r} is larger than the limit of {limit} bytes", "attachments"
            )
        extension = "." + attachment.filename.rpartition(".")[2].lower()
        if "." in attachment.filename and extension in BLOCKED_EXTENSIONS:
            raise TicketError(
                f"attachment {attachment.filename!r}: {extension} files cannot be sent", "attachments"
            )


@transaction.atomic
def open_ticket(
    actor,
    *,
    subject: str,
    body: str,
    channel: str,
    ticket_type: str = TicketType.INQUIRY,
    customer: Customer | None = None,
    email: str = "",
    phone: str = "",
    name: str = "",
    queue: Queue | None = None,
    priority: str = Priority.NORMAL,
    order=None,
    tags=(),
    message_id: str = "",
    html: str | None = None,
    attachments=(),
    inbound_id: int | None = None,
    acknowledge: bool | None = None,
    audit_channel: str = "web",
) -> Ticket:
    subject = " ".join((subject or "").split())[:300] or "(no subject)"
    if channel not in Channel.values:
        raise TicketError(f"unknown channel {channel!r}", "channel")
    if ticket_type not in TicketType.values:
        raise TicketError(f"unknown ticket type {ticket_type!r}", "ticket_type")
    if priority not in Priority.values:
        raise TicketError(f"unknown priority {priority!r}", "priority")
    created = False
    if customer is None:
        customer, created = _find_or_create_customer(email=email, phone=phone, name=name)
    if order is not None and order.customer_id != customer.pk:
        raise TicketError("the order belongs to another customer", "order")
    now = timezone.now()
    ticket = Ticket(
        subject=subject,
        ticket_type=ticket_type,
        channel=channel,
        priority=priority,
        queue=queue or default_queue(),
        customer=customer,
        order=order,
        contact_email=(email or customer.email).strip().lower(),
        tags=sorted({str(tag).strip().lower() for tag in tags if str(tag).strip()}),
        created_at=now,
    )
    # A customer created a moment ago has no analytics scores yet: no need to look them up.
    sla.start_clocks(ticket, now, Tier.STANDARD if created else sla.tier_for(customer))
    ticket.save()
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.INBOUND,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        from_address=ticket.contact_email,
        from_name=name[:200],
        body=body,
        html=html,
        message_id=message_id,
        inbound_id=inbound_id,
        created_at=now,
    )
    _store_attachments(ticket, message, attachments)
    user = actor if getattr(actor, "is_authenticated", False) else None
    events = [
        TicketEvent(
            ticket=ticket,
            kind=EventKind.CREATED,
            actor=user,
            detail={"channel": channel, "policy": ticket.sla_policy_id},
        )
    ]
    add_event(
        customer,
        TIMELINE_KIND,
        f"Ticket {ticket.reference} opened: {subject}",
        ref_type="ticket",
        ref_id=ticket.pk,
        actor=actor,
        detail={"channel": channel, "type": ticket_type},
    )
    _audit(actor, AuditAction.CREATE, ticket, f"opened via {channel}", audit_channel)
    wants_ack = settings.SIDOS_SERVICEDESK_ACKNOWLEDGE if acknowledge is None else acknowledge
    if wants_ack and ticket.contact_email:
        outbound = notify.acknowledge(ticket, in_reply_to=message_id or None)
        events.append(
            TicketEvent(ticket=ticket, kind=EventKind.ACKNOWLEDGED, detail={"outbound": outbound.pk})
        )
    TicketEvent.objects.bulk_create(events)  # one INSERT, in the order they happened
    return ticket


@transaction.atomic
def add_customer_message(
    ticket: Ticket,
    *,
    body: str,
    from_address: str = "",
    from_name: str = "",
    message_id: str = "",
    html: str | None = None,
    attachments=(),
    inbound_id: int | None = None,
    audit_channel: str = "task",
) -> TicketMessage:
    """A customer wrote again: the message joins the thread and a waiting or resolved ticket reopens."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.INBOUND,
        from_address=from_address,
        from_name=from_name[:200],
        body=body,
        html=html,
        message_id=message_id,
        inbound_id=inbound_id,
    )
    _store_attachments(ticket, message, attachments)
    _event(ticket, EventKind.MESSAGE, None, message=message.pk)
    if ticket.status in (Status.WAITING, Status.RESOLVED, Status.CLOSED):
        _set_status(None, ticket, Status.OPEN, timezone.now())
        ticket.save()
    _audit(None, AuditAction.UPDATE, ticket, "customer message added", audit_channel)
    return message


def fill_placeholders(text: str, ticket: Ticket) -> str:
    """Canned-response placeholders; unknown braces are left as written."""
    customer = ticket.customer
    values = {
        "{first_name}": customer.first_name or customer.display_name,
        "{last_name}": customer.last_name,
        "{name}": customer.display_name,
        "{reference}": ticket.reference,
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


@transaction.atomic
def reply(
    actor,
    ticket: Ticket,
    text: str,
    *,
    status: str | None = None,
    audit_channel: str = "web",
    attachments=(),
):
    """Send the customer a reply through the outbox; the first one stops the first-response clock.

    attachments (sidos.mail.parsing.Attachment) go out with the e-mail and are kept on the message.
    """
    text = (text or "").strip()
    if not text:
        raise TicketError("the reply is empty", "text")
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    if not ticket.contact_email:
        raise TicketError("the customer has no e-mail address to reply to", "text")
    now = timezone.now()
    _check_staff_attachments(attachments)
    outbound = notify.reply(ticket, text, attachments)
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        from_address=settings.DEFAULT_FROM_EMAIL,
        body=text,
        message_id=outbound.message_id,
        outbound=outbound,
        created_at=now,
    )
    _store_attachments(ticket, message, attachments)
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        if ticket.first_response_due and now > ticket.first_response_due:
            ticket.first_response_breached = True
    new_status = status or (Status.OPEN if ticket.status == Status.NEW else ticket.status)
    if new_status != ticket.status:
        _set_status(actor, ticket, new_status, now)
    sla.refresh_next_due(ticket)
    ticket.save()
    _event(ticket, EventKind.REPLIED, actor, message=message.pk, outbound=outbound.pk)
    _audit(actor, AuditAction.UPDATE, ticket, "replied to the customer", audit_channel)
    return message


@transaction.atomic
def add_note(
    actor, ticket: Ticket, text: str, *, audit_channel: str = "web", attachments=()
) -> TicketMessage:
    """An internal note; its attachments stay with the ticket and never go to the customer."""
    text = (text or "").strip()
    if not text:
        raise TicketError("the note is empty", "text")
    _check_staff_attachments(attachments)
    note = TicketMessage.objects.create(ticket=ticket, kind=MessageKind.NOTE, author=actor, body=text)
    _store_attachments(ticket, note, attachments)
    _event(ticket, EventKind.NOTE, actor, message=note.pk)
    _audit(actor, AuditAction.UPDATE, ticket, "internal note added", audit_channel)
    return note


def _set_status(actor, ticket: Ticket, status: str, now: dt.datetime, *, ask_rating: bool = True) -> None:
    """Status bookkeeping in memory: the open flag, the SLA pause, the resolution time, the CSAT request."""
    old = ticket.status
    if status not in Status.values:
        raise TicketError(f"unknown status {status!r}", "status")
    if old == status:
        return
    ticket.status = status
    ticket.is_open = status in OPEN_STATUSES
    if status == Status.WAITING:
        sla.pause(ticket, now)
    elif old == Status.WAITING:
        sla.resume(ticket, now)
    if status in (Status.RESOLVED, Status.CLOSED) and ticket.resolved_at is None:
        ticket.resolved_at = now
        if ticket.resolution_due and now > ticket.resolution_due:
            ticket.resolution_breached = True
    if ticket.is_open:
        ticket.resolved_at = None
    if old in (Status.RESOLVED, Status.CLOSED) and ticket.is_open:
        ticket.sla_paused_at = None
    sla.refresh_next_due(ticket)
    _event(ticket, EventKind.STATUS, actor, old=old, new=status)
    if status == Status.RESOLVED:
        add_event(
            ticket.customer,
            TIMELINE_KIND,
            f"Ticket {ticket.reference} resolved",
            ref_type="ticket",
            ref_id=ticket.pk,
            actor=actor,
        )
        if ticket.contact_email and ask_rating and not _survey_asks_instead(ticket):
            notify.request_csat(ticket)


def _survey_asks_instead(ticket: Ticket) -> bool:
    # An open survey triggered by resolved tickets replaces the CSAT mail (one survey per ticket).
    from sidos.surveys.actions import ticket_resolved  # surveys imports the service desk's models

    return ticket_resolved(ticket)


UPDATABLE = ("status", "priority", "assignee", "queue", "tags", "ticket_type", "order")


@transaction.atomic
def update_ticket(actor, ticket: Ticket, changes: dict, *, audit_channel: str = "web") -> dict:
    """Apply status/priority/assignee/queue/tags/type/order changes; return {field: [old, new]}."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise TicketError(f"cannot change {', '.join(sorted(unknown))}", sorted(unknown)[0])
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    now = timezone.now()
    done: dict = {}
    if "tags" in changes and changes["tags"] is not None:
        tags = sorted({str(tag).strip().lower() for tag in changes["tags"] if str(tag).strip()})
        if tags != ticket.tags:
            done["tags"] = [ticket.tags, tags]
            ticket.tags = tags
            _event(ticket, EventKind.TAGS, actor, old=done["tags"][0], new=tags)
    for field, kind in (("priority", EventKind.PRIORITY), ("ticket_type", EventKind.TYPE)):
        value = changes.get(field)
        choices = Priority.values if field == "priority" else TicketType.values
        if value is None or value == getattr(ticket, field):
            continue
        if value not in choices:
            raise TicketError(f"unknown {field.replace('_', ' ')} {value!r}", field)
        done[field] = [getattr(ticket, field), value]
        setattr(ticket, field, value)
        _event(ticket, kind, actor, field=field, old=done[field][0], new=value)
    if "priority" in done or "ticket_type" in done:
        _retarget(ticket, now)
    if "assignee" in changes and changes["assignee"] != ticket.assignee:
        assignee = changes["assignee"]
        if assignee is not None and not assignee.has_perm("servicedesk.change_ticket"):
            raise TicketError(f"{assignee.get_username()} cannot work on tickets", "assignee")
        done["assignee"] = [_name(ticket.assignee), _name(assignee)]
        ticket.assignee = assignee
        _event(ticket, EventKind.ASSIGNED, actor, old=done["assignee"][0], new=done["assignee"][1])
    queue = changes.get("queue")
    if queue is not None and queue.pk != ticket.queue_id:
        done["queue"] = [ticket.queue.name, queue.name]
        ticket.queue = queue
        _event(ticket, EventKind.QUEUE, actor, old=done["queue"][0], new=queue.name)
    if "order" in changes and changes["order"] != ticket.order:
        order = changes["order"]
        if order is not None and order.customer_id != ticket.customer_id:
            raise TicketError("the order belongs to another customer", "order")
        done["order"] = [ticket.order_id, order.pk if order else None]
        ticket.order = order
    status = changes.get("status")
    if status is not None and status != ticket.status:
        done["status"] = [ticket.status, status]
        _set_status(actor, ticket, status, now)
    if done:
        ticket.save()
        _audit(actor, AuditAction.UPDATE, ticket, "changed " + ", ".join(sorted(done)), audit_channel, done)
    return done


def _retarget(ticket: Ticket, now: dt.datetime) -> None:
    """A new priority or type may pick another policy; dues are counted from the ticket's creation,
    moved on by the time earlier pauses (waiting on the customer) already added."""
    paused_at = ticket.sla_paused_at
    shift = sla.pause_shift(ticket)
    sla.start_clocks(ticket, now, sla.tier_for(ticket.customer))
    sla.apply_pause_shift(ticket, shift)
    ticket.sla_paused_at = paused_at
    sla.refresh_next_due(ticket)


def _name(user) -> str | None:
    return user.get_username() if user else None


@transaction.atomic
def bulk_update(actor, tickets, changes: dict, *, audit_channel: str = "web") -> int:
    """The same change on many tickets, each through update_ticket (events and audit per ticket)."""
    changed = 0
    for ticket in tickets:
        if update_ticket(actor, ticket, changes, audit_channel=audit_channel):
            changed += 1
    return changed


@transaction.atomic
def merge_tickets(actor, keep: Ticket, duplicate: Ticket, *, audit_channel: str = "web") -> Ticket:
    """Fold `duplicate` into `keep`: its messages and attachments move, it is closed and points at keep."""
    if keep.pk == duplicate.pk:
        raise TicketError("a ticket cannot be merged with itself", "duplicate")
    if duplicate.merged_into_id:
        raise TicketError(f"{duplicate.reference} is already merged", "duplicate")
    keep = Ticket.objects.select_for_update().get(pk=keep.pk)
    duplicate = Ticket.objects.select_for_update().select_related("customer").get(pk=duplicate.pk)
    moved = TicketMessage.objects.filter(ticket=duplicate).update(ticket=keep)
    TicketAttachment.objects.filter(ticket=duplicate).update(ticket=keep)
    now = timezone.now()
    duplicate.merged_into = keep
    _set_status(actor, duplicate, Status.CLOSED, now, ask_rating=False)
    duplicate.save()
    if not keep.is_open and moved:
        _set_status(actor, keep, Status.OPEN, now)
    keep.tags = sorted({*keep.tags, *duplicate.tags})
    keep.save()
    _event(keep, EventKind.MERGED, actor, duplicate=duplicate.reference, messages=moved)
    _event(duplicate, EventKind.MERGED, actor, into=keep.reference)
    _audit(actor, AuditAction.MERGE, keep, f"merged {duplicate.reference} into it", audit_channel)
    _audit(actor, AuditAction.MERGE, duplicate, f"merged into {keep.reference}", audit_channel)
    return keep


@transaction.atomic
def record_csat(ticket: Ticket, score: int, comment: str | None = None) -> None:
    """The customer's rating; a later one replaces it, and no comment given keeps the earlier comment."""
    from sidos.servicedesk.models import CsatRating

    if not 1 <= int(score) <= 5:
        raise TicketError("the rating is 1 to 5", "score")
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    values = {"score": int(score)}
    if comment is not None:
        values["comment"] = comment.strip()[:2000]
    rating, created = CsatRating.objects.update_or_create(ticket=ticket, defaults=values)
    _event(ticket, EventKind.CSAT, None, score=rating.score, comment=rating.comment)
    if created:
        add_event(
            ticket.customer,
            TIMELINE_KIND,
            f"Rated {ticket.reference}: {rating.score}/5",
            ref_type="ticket",
            ref_id=ticket.pk,
            detail={"score": rating.score, "comment": rating.comment},
        )
    _audit("customer", AuditAction.UPDATE, ticket, f"customer rated {rating.score}/5", "web")
