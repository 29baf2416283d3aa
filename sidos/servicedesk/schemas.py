"""What the ticket API reads and writes. Lengths match the models so valid input always fits."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic.json_schema import SkipJsonSchema

from sidos.lib.apifields import NO_NUL, Body, BodyId, optional, text
from sidos.servicedesk.models import Channel, MessageKind, Priority, Status, TicketType

Tag = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
Tags = Annotated[list[Tag], Field(max_length=50)]
Text = Annotated[str, Field(min_length=1, max_length=20000, pattern=NO_NUL)]


class TicketOut(Schema):
    id: int
    reference: str = Field(description='the human reference, e.g. "SD-000123"')
    subject: str
    ticket_type: TicketType
    channel: Channel
    status: Status
    priority: Priority
    queue_id: int
    queue: str
    assignee: str | None = Field(description="username of the assigned agent")
    customer_id: int
    order_id: int | None
    contact_email: str
    tags: list[str]
    first_response_due: dt.datetime | None
    first_responded_at: dt.datetime | None
    resolution_due: dt.datetime | None
    resolved_at: dt.datetime | None
    sla_paused: bool = Field(description="true while waiting on the customer: the SLA clocks stand still")
    merged_into_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_queue(ticket) -> str:
        return ticket.queue.name

    @staticmethod
    def resolve_assignee(ticket) -> str | None:
        return ticket.assignee.get_username() if ticket.assignee else None

    @staticmethod
    def resolve_sla_paused(ticket) -> bool:
        return ticket.sla_paused_at is not None


class TicketPage(Schema):
    items: list[TicketOut]
    count: int


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int = Field(description="bytes")
    download: str = Field(description="API path that downloads the file (GET, with the same token)")

    @staticmethod
    def resolve_download(attachment) -> str:
        return f"/api/v1/tickets/{attachment.ticket_id}/attachments/{attachment.pk}"


class MessageOut(Schema):
    id: int
    kind: MessageKind = Field(
        description="inbound (from the customer), reply, or note (internal, staff only)"
    )
    author: str | None
    from_address: str
    body: str
    message_id: str
    outbound_status: str | None = Field(description="queued, sending, sent or failed for replies")
    attachments: list[AttachmentOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_author(message) -> str | None:
        return message.author.get_username() if message.author else None

    @staticmethod
    def resolve_outbound_status(message) -> str | None:
        return message.outbound.status if message.outbound else None

    @staticmethod
    def resolve_attachments(message) -> list:
        return list(message.attachments.all())


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(ticket) -> list:
        return list(ticket.messages.select_related("author", "outbound").prefetch_related("attachments"))


class TicketIn(Body):
    subject: Annotated[str, Field(min_length=1, max_length=300, pattern=NO_NUL)]
    body: Text
    ticket_type: TicketType = TicketType.INQUIRY
    priority: Priority = Priority.NORMAL
    queue_id: BodyId | SkipJsonSchema[None] = optional("default: the default queue")
    customer_id: BodyId | SkipJsonSchema[None] = optional("else the customer is matched by email or phone")
    email: text(254) | SkipJsonSchema[None] = optional()
    phone: text(32) | SkipJsonSchema[None] = optional()
    name: text(200) | SkipJsonSchema[None] = optional("for a new minimal customer record")
    order_id: BodyId | SkipJsonSchema[None] = optional()
    tags: Tags = []


class TicketPatch(Body):
    """Only the fields sent change. assignee_id and order_id may be null to clear them."""

    nullable = frozenset({"assignee_id", "order_id"})

    status: Status | SkipJsonSchema[None] = optional()
    priority: Priority | SkipJsonSchema[None] = optional()
    ticket_type: TicketType | SkipJsonSchema[None] = optional()
    queue_id: BodyId | SkipJsonSchema[None] = optional()
    assignee_id: BodyId | None = optional()
    order_id: BodyId | None = optional()
    tags: Tags | SkipJsonSchema[None] = optional()


class ReplyIn(Body):
    text: Text
    status: Status | SkipJsonSchema[None] = optional("set this status with the reply, e.g. waiting")


class NoteIn(Body):
    text: Text


class ReplyForm(Schema):
    """The text fields of a multipart reply; the files come as `files` parts."""

    text: Text
    status: Status | SkipJsonSchema[None] = optional("set this status with the reply, e.g. waiting")


class NoteForm(Schema):
    text: Text
