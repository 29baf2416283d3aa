"""Delivery status notifications (RFC 3464): who bounced, how, and which of our messages it was."""

import base64
import email
import quopri
import re
from dataclasses import dataclass
from email.message import Message

from sidos.mail.charsets import decode_surrogates
from sidos.mail.parsing import MAIL_POLICY


@dataclass(frozen=True)
class RecipientReport:
    recipient: str
    original_recipient: str
    action: str
    status: str
    diagnostic: str
    remote_mta: str
    original_message_id: str


def is_delivery_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and (message.get_param("report-type") or "").lower() == "delivery-status"
    )


def _typed_value(value: str | None) -> str:
    """'rfc822; user@example.com' -> 'user@example.com'."""
    if not value:
        return ""
    text = " ".join(decode_surrogates(str(value)).split())
    return text.split(";", 1)[1].strip() if ";" in text else text


def _field_blocks(part: Message) -> list[dict[str, str]]:
    payload = part.get_payload()
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if isinstance(payload, list) and encoding not in ("base64", "quoted-printable"):
        blocks = [{key.lower(): str(value) for key, value in block.items()} for block in payload]
    else:
        # Some MTAs (Exchange among them) encode the status part; the parser then reads the encoded
        # text as header blocks, or leaves it as one string.
        if isinstance(payload, list):
            payload = "\n\n".join(block.as_string() for block in payload)
        raw = payload.encode("ascii", "ignore")
        if encoding == "base64":
            raw = base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", raw) + b"==")
        elif encoding == "quoted-printable":
            raw = quopri.decodestring(raw)
        text = raw.decode("utf-8", errors="replace")
        blocks = []
        for chunk in re.split(r"\r?\n\s*\r?\n", text):
            fields = email.message_from_string(chunk.strip() + "\n", policy=MAIL_POLICY)
            if len(fields):
                blocks.append({key.lower(): str(value) for key, value in fields.items()})
    return blocks


def _original_message_id(report: Message) -> str:
    for part in report.walk():
        content_type = part.get_content_type()
        headers = None
        if content_type == "message/rfc822":
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner else None
        elif content_type == "text/rfc822-headers":
            raw = part.get_payload(decode=True) or b""
            headers = email.message_from_bytes(raw, policy=MAIL_POLICY)
        if headers is not None:
            found = re.search(r"<([^<>\s]+)>", str(headers.get("Message-ID", "")))
            if found:
                return found.group(1)
    return ""


def parse_delivery_report(report: Message) -> list[RecipientReport]:
    status_part = next((p for p in report.walk() if p.get_content_type() == "message/delivery-status"), None)
    if status_part is None:
        return []
    original_id = _original_message_id(report)
    reports = []
    for fields in _field_blocks(status_part):
        if "final-recipient" not in fields and "original-recipient" not in fields:
            continue  # the per-message block (Reporting-MTA, Arrival-Date)
        final = _typed_value(fields.get("final-recipient")) or _typed_value(fields.get("original-recipient"))
        reports.append(
            RecipientReport(
                recipient=final.lower(),
                original_recipient=_typed_value(fields.get("original-recipient")).lower(),
                action=_typed_value(fields.get("action")).lower(),
                status=_typed_value(fields.get("status")).split(" ")[0],
                diagnostic=_typed_value(fields.get("diagnostic-code")),
                remote_mta=_typed_value(fields.get("remote-mta")),
                original_message_id=original_id,
            )
        )
    return reports
