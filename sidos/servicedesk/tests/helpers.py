"""Builders the service-desk tests share."""

from sidos.servicedesk.actions import open_ticket
from sidos.servicedesk.models import Channel


def make_ticket(**fields):
    data = {
        "subject": "Where is my order?",
        "body": "I ordered a week ago and nothing has arrived.",
        "channel": Channel.EMAIL,
        "email": "aino@example.fi",
        "name": "Aino Aalto",
        **fields,
    }
    return open_ticket(None, **data)
