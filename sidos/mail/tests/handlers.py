"""Inbound handlers the mail tests plug in through SIDOS_INBOUND_MAIL_HANDLER."""

from sidos.mail.actions import queue_outbound

received = []


def record(message) -> str:
    received.append(message)
    return "threaded" if message.in_reply_to or message.references else "created"


def explode(message) -> str:
    # Writes something first: the failure must roll that back while the message itself is kept.
    queue_outbound(to=[message.from_address or "x@example.com"], subject="half-done", text="never sent")
    raise RuntimeError("ticket store is down")


def nothing(message) -> str:
    return "created"
