"""Webcare in a real Chromium: the queue, a post, a correction, linking the author and a ticket."""

import io
import json
import os

import pytest
from playwright.sync_api import Page, expect

from sidos.accounts.actions import create_staff_user
from sidos.accounts.models import Role
from sidos.conftest import PASSWORD
from sidos.customers.models import Customer
from sidos.listening.fileingest import ingest_file
from sidos.listening.models import Post, PostCorrection, WebcareStatus
from sidos.servicedesk.models import Channel, Ticket

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPLAINT = "Verkkopankki on taas kaatunut enkä pääse maksamaan laskuja. Todella huonoa palvelua!"


def test_webcare_relabels_a_negative_post_links_its_author_and_makes_a_ticket(page: Page, live_server):
    create_staff_user("webcare", PASSWORD, Role.WEBCARE)
    customer = Customer.objects.create(first_name="Maija", last_name="Virtanen", email="maija@example.fi")
    lines = [
        {
            "id": "1",
            "text": COMPLAINT,
            "created_at": "2026-12-01T08:00:00Z",
            "author_handle": "@maija_v",
            "reshares": 4,
        },
        {
            "id": "2",
            "text": "Kiitos nopeasta avusta konttorilla tänään!",
            "created_at": "2026-12-01T09:00:00Z",
        },
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    summary = ingest_file(io.BytesIO(data), "tweets.jsonl")
    assert summary.created == 2
    complaint = Post.objects.get(external_id="1")
    assert complaint.sentiment == "negative"  # the shipped classifier found it

    page.goto(live_server.url + "/accounts/login/?next=/listening/")
    page.get_by_label("Username").fill("webcare")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Webcare queue")).to_be_visible()
    rows = page.locator("tr[data-post]")
    expect(rows).to_have_count(1)  # the praise is not in the queue
    rows.first.get_by_role("link").click()

    expect(page.locator("[data-field=text]")).to_have_text(COMPLAINT)
    expect(page.locator("[data-suggestion]")).to_be_visible()
    page.get_by_label("Topics").fill("online_and_mobile_bank, fees_and_pricing")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text("Correction saved")).to_be_visible()

    page.get_by_label("Find a customer").fill("maija@example.fi")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Link").click()
    expect(page.locator("[data-field=customer]")).to_have_text("Maija Virtanen")

    page.get_by_role("button", name="Make a ticket").click()
    ticket = Ticket.objects.get()
    expect(page.locator("[data-field=ticket]")).to_contain_text(ticket.reference)

    complaint.refresh_from_db()
    assert complaint.topics == ["fees_and_pricing", "online_and_mobile_bank"]
    assert PostCorrection.objects.get().topics == ["fees_and_pricing", "online_and_mobile_bank"]
    assert (complaint.customer, complaint.ticket, complaint.status) == (
        customer,
        ticket,
        WebcareStatus.TICKET,
    )
    assert (ticket.channel, ticket.customer) == (Channel.SOCIAL, customer)
