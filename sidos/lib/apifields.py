"""Field types and base schemas the REST API shares: what the database can store, said in OpenAPI too.

Every limit here is also in the schema, so a client (or schemathesis) that follows the schema
never reaches a database error: PostgreSQL rejects NUL characters and over-long values, and
datetimes outside what UTC can represent overflow on conversion. Input is read strictly (no
`false` for a number, no `0` for a date) so what the schema calls invalid is refused.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.utils import dateparse, timezone
from ninja import Field, Schema
from pydantic import (
    BaseModel,
    BeforeValidator,
    PlainSerializer,
    Strict,
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


# In a path or query string every value is text, so ids there are parsed; in a JSON body they are numbers.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]


def _date(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        parsed = dateparse.parse_date(value)
        if parsed:
            return parsed
    raise ValueError("expected an ISO 8601 date such as 2024-03-05")


def _aware_datetime(value: Any) -> Any:
    """ISO 8601 text; naive input is local time (settings.TIME_ZONE), as in the CSV imports."""
    if isinstance(value, str):
        value = dateparse.parse_datetime(value)
    if not isinstance(value, dt.datetime):
        raise ValueError("expected an ISO 8601 date-time such as 2024-03-05T10:00:00+02:00")
    if timezone.is_naive(value):
        value = value.replace(tzinfo=timezone.get_default_timezone())
    try:
        # The same instant in UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 allows.
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("date/time is out of range")


DateIn = Annotated[dt.date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]
DateTimeIn = Annotated[
    dt.datetime,
    BeforeValidator(_aware_datetime),
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


class Body(BaseModel):
    """A JSON request body.

    A plain pydantic model, not ninja's Schema: Schema reads attributes from any object, so a JSON
    array would pass as an empty object and create a blank customer. Null is refused except in the
    fields listed in `nullable` (where the model holds null): elsewhere an optional field is one that
    may be left out, and the schema says so by hiding None with SkipJsonSchema.
    """

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _null_only_where_allowed(self):
        nulls = sorted(name for name in self.model_fields_set - self.nullable if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


def optional(description: str | None = None) -> Any:
    """An optional body field that may not be null; the schema shows no default."""
    return Field(None, description=description, json_schema_extra=lambda schema: schema.pop("default", None))


class ErrorOut(Schema):
    detail: str = Field(description="what went wrong, for a person to read")
    field: str | None = Field(None, description="the input field the error is about, when there is one")


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]]


def responses(success: dict, *errors: int) -> dict:
    """An operation's response map: the success schema plus each error status it can return."""
    return {**success, **{code: ValidationErrorOut if code == 422 else ErrorOut for code in errors}}
