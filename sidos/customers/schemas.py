"""What the customer API reads and writes. Lengths match the model so valid input always fits."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import Strict, StrictBool, StrictInt
from pydantic.json_schema import SkipJsonSchema

from sidos.customers.models import CustomerKind, Stage
from sidos.lib.apifields import NO_NUL, Body, BodyId, DateIn, optional, text

ExternalId = text(100)
StageIn = Stage | Literal[""]
Tag = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
Tags = Annotated[list[Tag], Field(max_length=100)]
# Custom attributes hold what a source system had: short scalars, like the CSV cells they come from.
# Strict, so that a long string of digits is not read as a number.
FiniteFloat = Annotated[float, Strict(), Field(allow_inf_nan=False)]
AttributeValue = text(1000) | StrictBool | StrictInt | FiniteFloat | None
Attributes = Annotated[dict[text(100), AttributeValue], Field(max_length=200)]
CONSENT_HELP = 'marketing e-mail consent; a change is recorded in the consent ledger with source "api"'


class CustomerOut(Schema):
    id: int
    external_id: str | None = Field(description="the customer's id in the source system (CSV customer_id)")
    kind: CustomerKind
    display_name: str
    first_name: str
    last_name: str
    name: str = Field(description="organisation name")
    email: str
    phone: str = Field(description="E.164")
    street: str
    postal_code: str
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2, or empty")
    language: str
    birth_date: dt.date | None
    stage: str = Field(description="relationship stage, or empty")
    tags: list[str]
    attributes: dict[str, Any]
    marketing_email_consent: bool | None = Field(description="null: never asked")
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    count: int


class CustomerIn(Body):
    nullable = frozenset({"external_id", "birth_date", "marketing_email_consent"})

    external_id: ExternalId | None = None
    kind: CustomerKind = CustomerKind.PERSON
    first_name: text(100) = ""
    last_name: text(100) = ""
    name: text(200) = ""
    email: text(254) = ""
    phone: text(32) = ""
    street: text(200) = ""
    postal_code: text(20) = ""
    city: text(100) = ""
    country: text(10) = ""
    language: text(8) = ""
    birth_date: DateIn | None = None
    stage: StageIn = ""
    tags: Tags = []
    attributes: Attributes = {}
    marketing_email_consent: StrictBool | None = Field(None, description=CONSENT_HELP)


class CustomerPatch(Body):
    """Only the fields sent change; send "" to blank a text field."""

    nullable = frozenset({"external_id", "birth_date"})

    external_id: ExternalId | None = optional()
    kind: CustomerKind | SkipJsonSchema[None] = optional()
    first_name: text(100) | SkipJsonSchema[None] = optional()
    last_name: text(100) | SkipJsonSchema[None] = optional()
    name: text(200) | SkipJsonSchema[None] = optional()
    email: text(254) | SkipJsonSchema[None] = optional()
    phone: text(32) | SkipJsonSchema[None] = optional()
    street: text(200) | SkipJsonSchema[None] = optional()
    postal_code: text(20) | SkipJsonSchema[None] = optional()
    city: text(100) | SkipJsonSchema[None] = optional()
    country: text(10) | SkipJsonSchema[None] = optional()
    language: text(8) | SkipJsonSchema[None] = optional()
    birth_date: DateIn | None = optional()
    stage: StageIn | SkipJsonSchema[None] = optional()
    tags: Tags | SkipJsonSchema[None] = optional()
    attributes: Attributes | SkipJsonSchema[None] = optional()
    marketing_email_consent: StrictBool | SkipJsonSchema[None] = optional(CONSENT_HELP)


class MergeIn(Body):
    duplicate_id: BodyId = Field(description="the customer folded into this one and then deleted")


class TimelineEventOut(Schema):
    id: int
    kind: str
    occurred_at: dt.datetime
    title: str
    detail: dict[str, Any]
    ref_type: str
    ref_id: int | None
    actor: str | None = Field(description="username of the staff member, if one did it")

    @staticmethod
    def resolve_actor(event) -> str | None:
        return event.actor.get_username() if event.actor else None


class TimelinePage(Schema):
    items: list[TimelineEventOut]
    count: int


class CustomerDocumentOut(Schema):
    """Everything held about one customer (the same document as `sidos export-customer`)."""

    profile: dict[str, Any]
    contact_points: list[dict[str, Any]]
    consents: dict[str, list[dict[str, Any]]]
    orders: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    ticket_messages: list[dict[str, Any]]
    analytics: dict[str, Any] | None
    aliases: list[str]
    exported_at: dt.datetime
