"""The service desk in a real Chromium, with mail through a real SMTP server on loopback."""

import email
import os
import re
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sidos.conftest import PASSWORD
from sidos.mail import ingest
from sidos.mail.tasks import send_due
from sidos.servicedesk.models import CannedResponse, CsatRating, Ticket

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_MAIL = (
    "From: Päivi Mäkinen <paivi.makinen@example.fi>\r\n"
    "To: asiakaspalvelu@kauppa.example\r\n"
    "Subject: Lamp arrived broken\r\n"
    "Date: Thu, 28 Nov 2024 09:12:00 +0200\r\n"
    "Message-ID: <lamp-1@mail.example.fi>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "The lamp I ordered arrived in pieces.\r\n"
).encode()


def delivered(smtp_server) -> list[email.message.EmailMessage]:
    send_due()
    return [email.message_from_bytes(item["content"], policy=policy.default) for item in smtp_server.received]


def test_an_agent_answers_a_mail_ticket_with_a_canned_response_and_the_rating_arrives(
    page: Page, live_server, agent, smtp_server, settings
):
    settings.SIDOS_PUBLIC_URL = live_server.url
    CannedResponse.objects.create(title="Replacement", body="Hello {first_name}, a new lamp is on its way.")
    assert ingest.ingest_bytes(NEW_MAIL, source="test") == "created"
    ticket = Ticket.objects.get()
    acknowledgement = delivered(smtp_server)[0]
    assert ticket.reference in acknowledgement["Subject"]

    page.goto(live_server.url + "/accounts/login/?next=/servicedesk/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    row = page.locator(f'tr[data-ticket="{ticket.reference}"]')
    expect(row).to_contain_text("Päivi Mäkinen")
    expect(row.locator(".countdown")).to_contain_text("left")
    row.get_by_role("link", name="Lamp arrived broken").click()

    expect(page.get_by_role("heading", name="Lamp arrived broken")).to_be_visible()
    expect(page.locator(".msg-inbound")).to_contain_text("arrived in pieces")
    page.get_by_label("Canned response").select_option(label="Replacement")
    expect(page.get_by_label("Reply", exact=True)).to_have_value("Hello Päivi, a new lamp is on its way.")
    page.get_by_label("Then set status").select_option("resolved")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply queued")
    expect(page.locator('[data-field="status"]')).to_have_text("Resolved")

    mails = delivered(smtp_server)
    reply = next(m for m in mails if m["Subject"].startswith("Re: "))
    assert reply["In-Reply-To"] == "<lamp-1@mail.example.fi>"
    assert "a new lamp is on its way" in reply.get_content()
    rating_mail = next(m for m in mails if "How did we do?" in m["Subject"])
    link = re.search(r"^5: (\S+)", rating_mail.get_content(), re.MULTILINE).group(1)
    page.reload()
    expect(page.locator('[data-outbound="sent"]')).to_be_visible()

    customer = page.context.browser.new_page()
    customer.goto(link)
    expect(customer.get_by_role("status")).to_contain_text("5/5")
    customer.get_by_label("Comment (optional)").fill("Fast and friendly")
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible()
    customer.close()

    assert CsatRating.objects.get(ticket=ticket).comment == "Fast and friendly"
    page.reload()
    expect(page.locator('[data-csat="5"]')).to_contain_text("Fast and friendly")


def test_an_agent_attaches_a_file_to_a_reply_and_it_is_listed_downloadable_and_mailed(
    page: Page, live_server, agent, smtp_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert ingest.ingest_bytes(NEW_MAIL, source="test") == "created"
    ticket = Ticket.objects.get()
    receipt = tmp_path / "kuitti 100234.pdf"
    receipt.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 16)

    page.goto(live_server.url + f"/accounts/login/?next=/servicedesk/tickets/{ticket.pk}/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Lamp arrived broken")).to_be_visible()
    page.get_by_label("Reply", exact=True).fill("The receipt is attached.")
    page.get_by_label("Attach files", exact=True).set_input_files(str(receipt))
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply queued")

    listed = page.locator(".msg-reply").get_by_role("link", name="kuitti 100234.pdf")
    expect(listed).to_be_visible()
    with page.expect_download() as download_info:
        listed.click()
    download = download_info.value
    assert download.suggested_filename == "kuitti 100234.pdf"
    assert Path(download.path()).read_bytes() == receipt.read_bytes()

    reply = next(m for m in delivered(smtp_server) if m["Subject"].startswith("Re: "))
    [attached] = list(reply.iter_attachments())
    assert attached.get_filename() == "kuitti 100234.pdf"
    assert attached.get_content() == receipt.read_bytes()
