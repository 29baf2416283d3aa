"""What the order API reads and writes. Money is a decimal string both ways."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict, Strict, model_validator
from pydantic.json_schema import SkipJsonSchema

from sidos.lib.apifields import (
    Body,
    BodyId,
    DateTimeIn,
    MoneyIn,
    MoneyOut,
    optional,
    text,
)
from sidos.orders.actions import MAX_QUANTITY
from sidos.orders.models import OrderStatus

Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217, e.g. EUR")]
Quantity = Annotated[int, Strict(), Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
CHANNEL_HELP = "sales channel: web, store, phone, email, marketplace, other, or the source system's own word"
CUSTOMER_HELP = "the customer's internal id; give this or customer_external_id"
CUSTOMER_EXTERNAL_ID_HELP = "the customer's id in the source system (or one left behind by a merge)"


class OrderOut(Schema):
    id: int
    external_id: str | None = Field(description="the order's id in the source system (CSV order_id)")
    customer_id: int
    customer_external_id: str | None
    customer_name: str
    ordered_at: dt.datetime
    amount: MoneyOut
    currency: str
    quantity: int
    channel: str
    store: str
    product: str
    status: OrderStatus
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_customer_external_id(order) -> str | None:
        return order.customer.external_id

    @staticmethod
    def resolve_customer_name(order) -> str:
        return order.customer.display_name


class OrderPage(Schema):
    items: list[OrderOut]
    count: int


class OrderIn(Body):
    nullable = frozenset({"external_id", "ordered_at", "currency"})
    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["customer"]}, {"required": ["customer_external_id"]}]}
    )

    customer: BodyId | SkipJsonSchema[None] = optional(CUSTOMER_HELP)
    customer_external_id: text(100) | SkipJsonSchema[None] = optional(CUSTOMER_EXTERNAL_ID_HELP)
    external_id: text(100) | None = Field(None, description="the order's id in the source system")
    ordered_at: DateTimeIn | None = Field(None, description="default: now")
    amount: MoneyIn
    currency: Currency | None = Field(None, description="ISO 4217; default: the server's currency")
    quantity: Quantity = 1
    channel: text(50) = Field("", description=CHANNEL_HELP)
    store: text(100) = ""
    product: text(200) = ""
    status: OrderStatus = OrderStatus.COMPLETED

    @model_validator(mode="after")
    def _one_customer(self):
        if (self.customer is None) == (self.customer_external_id is None):
            raise ValueError("give either customer or customer_external_id")
        return self


class OrderPatch(Body):
    """Only the fields sent change; a customer reference moves the order to that customer."""

    model_config = ConfigDict(json_schema_extra={"not": {"required": ["customer", "customer_external_id"]}})
    nullable = frozenset({"external_id"})

    customer: BodyId | SkipJsonSchema[None] = optional(CUSTOMER_HELP)
    customer_external_id: text(100) | SkipJsonSchema[None] = optional(CUSTOMER_EXTERNAL_ID_HELP)
    external_id: text(100) | None = optional()
    ordered_at: DateTimeIn | SkipJsonSchema[None] = optional()
    amount: MoneyIn | SkipJsonSchema[None] = optional()
    currency: Currency | SkipJsonSchema[None] = optional()
    quantity: Quantity | SkipJsonSchema[None] = optional()
    channel: text(50) | SkipJsonSchema[None] = optional(CHANNEL_HELP)
    store: text(100) | SkipJsonSchema[None] = optional()
    product: text(200) | SkipJsonSchema[None] = optional()
    status: OrderStatus | SkipJsonSchema[None] = optional()

    @model_validator(mode="after")
    def _at_most_one_customer(self):
        if self.customer is not None and self.customer_external_id is not None:
            raise ValueError("give customer or customer_external_id, not both")
        return self
