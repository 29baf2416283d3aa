"""A customer with data in every app that holds personal data, and the strings that identify them."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.customers.actions import merge_customers, record_consent, update_customer
from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.mail.ingest import ingest_bytes
from sidos.mail.tests.conftest import EML
from sidos.privacy import actions as privacy_actions
from sidos.servicedesk.actions import add_note, record_csat, reply, update_ticket
from sidos.servicedesk.models import Ticket

FIRST, LAST = "Zebulon", "Quarrington"
EMAIL, OLD_EMAIL, DUP_EMAIL = "zebulon.q@example.org", "zq.old@example.net", "zq.dup@example.org"
PHONE_TYPED = "040 765 4321"
STREET = "Härmäläntie 17 B"
EXTERNAL_ID, ALIAS = "ZQ-778899", "ZQ-OLD-4455"
HANDLE = "@zebquarr"

NEEDLES = [FIRST, LAST, f"{FIRST} {LAST}", EMAIL, OLD_EMAIL, DUP_EMAIL, "+358407654321", PHONE_TYPED, STREET,
           EXTERNAL_ID, ALIAS, HANDLE]  # fmt: skip

MAIL = f"""From: {FIRST} {LAST} <{EMAIL}>
To: asiakaspalvelu@kauppa.example
Subject: Broken kettle, {FIRST} {LAST}
Date: Mon, 30 Nov 2026 10:00:00 +0200
Message-ID: <kettle-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

My kettle broke. Call me on {PHONE_TYPED} or visit {STREET}.

--b1
Content-Type: text/plain; name="receipt.txt"
Content-Disposition: attachment; filename="receipt.txt"

Receipt for {FIRST} {LAST}, {STREET}
--b1--
"""


def bounce_for(address: str) -> bytes:
    raw = (EML / "postfix_dsn_bounce.eml").read_bytes()
    return raw.replace(b"tuntematon@example.fi", address.encode()).replace(
        b"Tuntematon@Example.fi", address.encode()
    )


def make_full_customer(actor, tmp_path) -> Customer:
    """Zebulon, with a merged duplicate, orders, scores, a mailed ticket with an attachment, a reply,
    a note, a rating, a bounce, a portal login link, an audited change and a rejected import row."""
    customer = make_customer(
        first_name=FIRST, last_name=LAST, email=OLD_EMAIL, phone=PHONE_TYPED, street=STREET,
        postal_code="90100", city="Oulu", external_id=EXTERNAL_ID, tags=["vip"],
        attributes={"twitter": HANDLE},
    )  # fmt: skip
    update_customer(actor, customer, {"email": EMAIL})  # the old address stays as a contact point
    duplicate = make_customer(first_name=FIRST, last_name=LAST, email=DUP_EMAIL, external_id=ALIAS)
    customer = merge_customers(actor, customer, duplicate)
    record_consent(actor, customer, channel="email", purpose="marketing", granted=True, source="import")
    make_order(customer, "ZQ-ORDER-1", "20.00", days_ago=70, channel="web")
    make_order(customer, "ZQ-ORDER-2", "35.50", days_ago=10, channel="store")
    run = AnalyticsRun.objects.create(as_of="2026-12-01", status="done", is_current=True)
    CustomerScore.objects.create(run=run, customer=customer, as_of="2026-12-01", revenue=Decimal("55.50"))

    assert ingest_bytes(MAIL.encode(), source="test") == "created"
    ticket = Ticket.objects.get(customer=customer)
    reply(actor, ticket, f"Sorry, {FIRST}! A new kettle goes to {STREET}.")
    add_note(actor, ticket, f"{FIRST} {LAST} called from {PHONE_TYPED}")
    update_ticket(actor, ticket, {"status": "resolved"})
    record_csat(ticket, 2, f"Signed, {FIRST} {LAST}")
    assert ingest_bytes(bounce_for(DUP_EMAIL), source="test") == "ignored"
    privacy_actions.request_login_link(EMAIL, ip="127.0.0.1", link_base="http://testserver/portal/login/")

    rejected = tmp_path / "rejected.csv"
    rejected.write_text(f"first_name,last_name,email,phone\n{FIRST},{LAST},{EMAIL},not a phone\n")
    with pytest.raises(SystemExit) as exit_:  # 1: a row was rejected, and reported
        call_command("import-customers", str(rejected), stdout=io.StringIO())
    assert exit_.value.code == 1
    return Customer.objects.get(pk=customer.pk)
