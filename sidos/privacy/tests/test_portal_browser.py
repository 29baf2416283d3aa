"""The portal in a real Chromium: a customer asks for a link, reads it from a real SMTP server, logs in,
reads their data, downloads it and withdraws marketing consent."""

import email
import email.policy
import io
import json
import os
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from sidos.customers.models import Customer
from sidos.mail.tasks import send_due
from sidos.mail.tests.servers import SmtpServer
from sidos.privacy.tests.portalhelpers import make_person

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still plain sync calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SIDOS_SCREENSHOT_DIR", "/tmp")


@pytest.fixture
def smtp(smtp_server, settings, live_server):
    settings.SIDOS_PUBLIC_URL = live_server.url
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.1
    return smtp_server


def mailed_link(server: SmtpServer) -> str:
    links = []
    for received in server.received:
        message = email.message_from_bytes(received["content"], policy=email.policy.default)
        found = re.search(r"http://\S+/portal/login/\S+/", message.get_body(("plain",)).get_content())
        if found:
            assert received["to"] == ["aino@example.fi"]
            links.append(found.group(0))
    (link,) = links
    return link


def test_a_customer_logs_in_by_mail_reads_downloads_and_withdraws(page: Page, live_server, smtp):
    aino = make_person("Aino", "Aalto", "aino@example.fi", "A", note="Staff only", secret="parcel 42")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(live_server.url + "/portal/")
    page.get_by_label("Your e-mail address").fill("aino@example.fi")
    page.get_by_role("button", name="Send me a login link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    # What `sidos worker` does with the outbox: the login mail (and the ticket reply made above).
    assert send_due()["sent"] == 2
    page.goto(mailed_link(smtp))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="What we hold about you")).to_be_visible()
    expect(page.locator("#profile")).to_contain_text("Aalto")
    expect(page.locator("#orders")).to_contain_text("A-2")
    expect(page.locator("#tickets")).to_contain_text("parcel 42")
    expect(page.locator("#tickets")).not_to_contain_text("Staff only")
    expect(page.locator("[data-segment]")).to_be_visible()
    expect(page.locator("[data-table=channels]")).to_contain_text("store")
    # Usable on a phone: nothing wider than the screen but the tables' own scroll boxes.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{SCREENSHOTS}/portal-phone.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download all my data (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert json.loads(archive.read("customer.json"))["profile"]["email"] == "aino@example.fi"

    row = page.locator('[data-consent="email-marketing"]')
    expect(row.locator(".state")).to_have_text("allowed")
    row.get_by_role("button", name="Withdraw E-mail Marketing").click()
    expect(page.locator('[data-consent="email-marketing"] .state')).to_have_text("not allowed")
    assert Customer.objects.get(pk=aino.pk).marketing_email_consent is False
    latest = aino.consents.filter(channel="email", purpose="marketing").latest("recorded_at", "id")
    assert latest.source == "portal"
