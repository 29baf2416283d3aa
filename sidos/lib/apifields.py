"""Field types the REST API shares: what the database can store, said in the OpenAPI schema too.

Every limit here is also in the schema, so a client (or schemathesis) that follows the schema
never reaches a database error: PostgreSQL rejects NUL characters and over-long values, and
datetimes outside what UTC can represent overflow on conversion.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.utils import timezone
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

# No NUL: PostgreSQL text cannot hold it. (Lone surrogates never get this far: pydantic rejects them.)
NO_NUL = r"^[^\x00]*$"
# Database ids are 64-bit; larger numbers are invalid input, not a lookup that overflows.
MAX_ID = 2**63 - 1


def text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length, pattern=NO_NUL)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _aware(value: dt.datetime) -> dt.datetime:
    """Naive input is local time (settings.TIME_ZONE), as in the CSV imports."""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=timezone.get_default_timezone())
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("date/time is out of range")
    return value


DateTimeIn = Annotated[
    dt.datetime,
    AfterValidator(_aware),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601; without an offset it is local time in the server's time zone",
        }
    ),
]

# Money is a string on the wire, in and out, so no client loses cents to binary floating point.
MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN)
MONEY_JSON_SCHEMA = {
    "type": "string",
    "pattern": MONEY_PATTERN,
    "description": 'decimal amount as a string, at most two decimals, e.g. "19.90"; negative for refunds',
    "examples": ["19.90"],
}


def _money_text(value: Any) -> Any:
    if not isinstance(value, str) or not _MONEY.fullmatch(value):
        raise ValueError('money is a string with at most two decimals, such as "19.90"')
    return value


MoneyIn = Annotated[Decimal, BeforeValidator(_money_text), WithJsonSchema(MONEY_JSON_SCHEMA)]
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema(MONEY_JSON_SCHEMA),
]


def unchanged_when_left_out(description: str | None = None) -> Any:
    """A PATCH field: optional, and left out means "keep" (the schema shows no default)."""
    return Field(None, description=description, json_schema_extra=lambda schema: schema.pop("default", None))


class PatchSchema(Schema):
    """A PATCH body: only the fields sent change. Null is refused except where the model holds null,
    so that null never quietly means "blank"; the schema says the same with SkipJsonSchema[None]."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _null_only_where_allowed(cls, data):
        if isinstance(data, dict):
            nulls = sorted(key for key, value in data.items() if value is None and key not in cls.nullable)
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null")
        return data


class ErrorOut(Schema):
    detail: str = Field(description="what went wrong, for a person to read")
    field: str | None = Field(None, description="the input field the error is about, when there is one")


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


def responses(success: dict, *errors: int) -> dict:
    """An operation's response map: the success schema plus each error status it can return."""
    return {**success, **{code: ValidationErrorOut if code == 422 else ErrorOut for code in errors}}
