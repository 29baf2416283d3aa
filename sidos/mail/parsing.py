"""Reading RFC 5322 messages into ParsedMessage, the interface with the inbound handler (servicedesk)."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    filename: str  # sanitised, never a path
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str  # without <>; a stable generated one (hash of the raw bytes) if the header is missing
    in_reply_to: str | None  # without <>
    references: tuple[str, ...]
    subject: str  # decoded (RFC 2047), whitespace-normalised
    from_address: str  # lower-cased addr-spec ('' if unparseable)
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime  # timezone-aware; the time of receipt if the Date header is missing or broken
    text: str  # best plain-text body (text/plain, else HTML converted to text)
    html: str | None  # raw HTML part if any: untrusted, never render it unescaped
    attachments: tuple[Attachment, ...]
    inbound_id: int | None  # pk of sidos.mail.models.InboundMessage holding the raw bytes
