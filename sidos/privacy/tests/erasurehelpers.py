"""A customer with data in every app that holds personal data, and the strings that identify them."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.campaigns import actions as campaign_actions
from sidos.campaigns.models import Delivery, DeliveryStatus
from sidos.campaigns.tests.helpers import make_campaign
from sidos.customers.actions import merge_customers, record_consent, update_customer
from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.listening import actions as listening_actions
from sidos.listening.connectors.base import PostRecord
from sidos.listening.models import Post, Source, SourceKind
from sidos.mail.ingest import ingest_bytes
from sidos.mail.tests.conftest import EML
from sidos.privacy import actions as privacy_actions
from sidos.servicedesk.actions import add_note, record_csat, reply, update_ticket
from sidos.servicedesk.models import Ticket
from sidos.surveys import actions as survey_actions
from sidos.surveys.models import Invitation, InvitationStatus, QuestionKind
from sidos.surveys.tests.builders import full_answers, make_survey

FIRST, LAST = "Zebulon", "Quarrington"
EMAIL, OLD_EMAIL, DUP_EMAIL = "zebulon.q@example.org", "zq.old@example.net", "zq.dup@example.org"
PHONE_TYPED = "040 765 4321"
STREET = "Härmäläntie 17 B"
EXTERNAL_ID, ALIAS = "ZQ-778899", "ZQ-OLD-4455"
HANDLE = "@zebquarr"

NEEDLES = [FIRST, LAST, f"{FIRST} {LAST}", EMAIL, OLD_EMAIL, DUP_EMAIL, "+358407654321", PHONE_TYPED, STREET,
           EXTERNAL_ID, ALIAS, HANDLE, "zebquarr@mastodon.example"]  # fmt: skip

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
    a note, a rating, a bounce, a portal login link, an audited change, a rejected import row, an
    answered survey with free text, a confirmed newsletter signup, a campaign mail opened, clicked
    and unsubscribed from (a suppression), a social handle, posts with a correction and a reshare,
    and someone else's post that mentions them."""
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

    add_surveys_and_campaigns(customer)
    add_social_posts(actor, customer)

    rejected = tmp_path / "rejected.csv"
    rejected.write_text(f"first_name,last_name,email,phone\n{FIRST},{LAST},{EMAIL},not a phone\n")
    with pytest.raises(SystemExit) as exit_:  # 1: a row was rejected, and reported
        call_command("import-customers", str(rejected), stdout=io.StringIO())
    assert exit_.value.code == 1
    return Customer.objects.get(pk=customer.pk)


SURVEY_TEXT = f"Ask for {FIRST} {LAST} at {STREET}, or call {PHONE_TYPED}."
CLICK_URL = f"https://shop.example.fi/sale?who={EMAIL}"


def add_surveys_and_campaigns(customer: Customer) -> None:
    survey = make_survey("Erasure survey")
    invitation = Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)
    survey_actions.submit(
        survey,
        full_answers(survey, **{QuestionKind.TEXT: [SURVEY_TEXT]}),
        language="en",
        invitation=invitation,
    )
    pending = make_survey("Later survey")
    Invitation.objects.create(survey=pending, customer=customer)

    customer.refresh_from_db()
    campaign_actions.request_signup(customer.email, first_name=FIRST, language="fi")
    campaign_actions.confirm_signup(customer, customer.email)
    campaign = make_campaign({"city": ["Oulu"]})
    assert campaign_actions.prepare_audience(campaign)["eligible"] == 1
    # As the sender leaves a row it handed to SMTP (sending.py has its own tests with a real server).
    Delivery.objects.filter(campaign=campaign).update(
        status=DeliveryStatus.SENT, message_id="<zq-campaign-1@sidos.example>", error=f"greylisted {EMAIL}"
    )
    delivery = Delivery.objects.get(campaign=campaign, customer=customer)
    campaign_actions.record_open(delivery)
    delivery.refresh_from_db()
    campaign_actions.record_click(delivery, CLICK_URL)
    assert campaign_actions.unsubscribe(delivery)  # withdraws the consent and suppresses the address


MASTODON_HANDLE = NEEDLES[-1]
OTHERS_POST = "Someone else's words that stay"


def add_social_posts(actor, customer: Customer) -> None:
    source = Source.objects.create(name="mastodon-test", kind=SourceKind.MASTODON)
    when = timezone.now() - dt.timedelta(hours=2)
    # Stored before the handle was known, so never linked to the customer: theirs all the same.
    early = PostRecord(
        external_id="m-0", text="Kettles again", created_at=when, author_handle=MASTODON_HANDLE
    )
    assert listening_actions.ingest_records(source, [early]).linked == 0
    listening_actions.add_handle(actor, customer, SourceKind.MASTODON, MASTODON_HANDLE)
    summary = listening_actions.ingest_records(
        source,
        [
            PostRecord(
                external_id="m-1",
                text=f"My kettle broke again. {FIRST} {LAST}, {STREET}",
                created_at=when,
                author_handle=f"@{MASTODON_HANDLE}",
                author_name=f"{FIRST} {LAST}",
                url="https://mastodon.example/@zebquarr/1",
                raw={"account": {"acct": MASTODON_HANDLE, "display_name": f"{FIRST} {LAST}"}},
            ),
            PostRecord(
                external_id="m-2",
                text=f"RT My kettle broke again. {FIRST} {LAST}",
                created_at=when,
                author_handle="@booster@mastodon.example",
                reshare_of="m-1",
            ),
            PostRecord(
                external_id="m-3",
                text=f"{OTHERS_POST}: @{MASTODON_HANDLE} is right, {HANDLE} too",
                created_at=when,
                author_handle="@helper@mastodon.example",
                raw={"mentions": [MASTODON_HANDLE]},
            ),
        ],
    )
    assert (summary.created, summary.reshares, summary.linked) == (2, 1, 1), summary
    own = Post.objects.get(source=source, external_id="m-1")
    assert own.customer_id == customer.pk  # linked by the handle at ingest
    listening_actions.relabel(actor, own, label="negative", topics=["product_quality"])
