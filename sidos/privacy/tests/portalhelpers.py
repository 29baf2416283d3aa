"""Two customers with data of every kind, and a way to log a test client in as one of them."""

import re

from django.test import Client

from sidos.customers.actions import record_consent
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.mail.models import OutboundMessage
from sidos.servicedesk.actions import add_note, open_ticket, reply

LINK = re.compile(r"https?://\S+/portal/login/(\S+?)/\s")


def make_person(first: str, last: str, email: str, order_prefix: str, *, note: str = "", secret: str = ""):
    customer = make_customer(first_name=first, last_name=last, email=email, phone="040 123 4567", city="Oulu")
    record_consent(None, customer, channel="email", purpose="marketing", granted=True, source="import")
    make_order(customer, f"{order_prefix}-1", "20.00", days_ago=70, channel="web")
    make_order(customer, f"{order_prefix}-2", "35.50", days_ago=40, channel="store")
    make_order(customer, f"{order_prefix}-3", "12.25", days_ago=10, channel="web")
    ticket = open_ticket(
        None,
        subject=f"Parcel for {first}",
        body=f"Where is my parcel? {secret}",
        channel="email",
        customer=customer,
        email=email,
        acknowledge=False,
    )
    reply(None, ticket, f"It is on its way, {first}.")
    if note:
        add_note(None, ticket, note)
    return customer


def link_token(address: str) -> str:
    """The token from the newest login mail to `address`, as the customer would read it."""
    message = OutboundMessage.objects.filter(to=[address], related__startswith="portal-link:").latest("pk")
    return LINK.search(message.text + "\n").group(1)


def portal_client(address: str) -> Client:
    client = Client()
    response = client.post("/portal/", {"email": address})
    assert response.status_code == 200, response.content
    token = link_token(address)
    response = client.post(f"/portal/login/{token}/")
    assert response.status_code == 302 and response["Location"] == "/portal/me/"
    return client
