"""What the listening API reads and writes. Post text is untrusted: it goes out as JSON data, never HTML."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import Strict
from pydantic.json_schema import SkipJsonSchema

from sidos.lib.apifields import NO_NUL, Body, BodyId, DateTimeIn, optional, text
from sidos.listening.models import MAX_TEXT_CHARS, Sentiment, WebcareStatus
from sidos.listening.validation import MAX_HANDLE, MAX_ID, MAX_URL

# Strict: false is not a number of likes (what the schema calls invalid is refused).
Count = Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)]
Topic = Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL)]


class PostOut(Schema):
    id: int
    source_id: int
    source: str = Field(description="the source's name")
    external_id: str
    author_handle: str
    author_name: str
    text: str = Field(description="as posted (untrusted): show it as text, never as HTML")
    text_truncated: bool
    lang: str
    posted_at: dt.datetime
    url: str
    reply_to: str
    reshare_of_id: int | None
    like_count: int
    reshare_count: int
    velocity: float = Field(description="interactions per hour of the post's age")
    sentiment: str = Field(description='negative, neutral, positive, or "" before classification')
    p_negative: float | None
    topics: list[str]
    status: WebcareStatus
    customer_id: int | None
    ticket_id: int | None
    first_answered_at: dt.datetime | None

    @staticmethod
    def resolve_source(post) -> str:
        return post.source.name


class PostPage(Schema):
    items: list[PostOut]
    count: int


class PostIn(Body):
    source: text(100) = Field("api", min_length=1, description="the source's name; made when new")
    external_id: Annotated[str, Field(min_length=1, max_length=MAX_ID, pattern=NO_NUL)]
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS * 4, pattern=NO_NUL)]
    created_at: DateTimeIn
    author_handle: text(MAX_HANDLE) = ""
    author_name: text(MAX_HANDLE) = ""
    url: text(MAX_URL) = Field("", description="http(s) only")
    lang: text(20) = ""
    reply_to: text(MAX_ID) = ""
    reshare_of: text(MAX_ID) = ""
    like_count: Count = 0
    reshare_count: Count = 0


class CorrectionIn(Body):
    label: Sentiment | SkipJsonSchema[None] = optional("the corrected sentiment")
    topics: Annotated[list[Topic], Field(max_length=20)] | SkipJsonSchema[None] = optional(
        "the corrected topics (replace the post's)"
    )


class CorrectionOut(Schema):
    id: int
    post_id: int
    label: str
    topics: list[str] | None
    created_at: dt.datetime


class LinkIn(Body):
    customer_id: BodyId


class TicketMadeOut(Schema):
    post_id: int
    ticket_id: int
    reference: str
