"""In a real Chromium: a customer corrects their e-mail address (confirmed from a real SMTP server's
mail) and asks for erasure in the portal; the privacy officer approves it in the staff app; the
customer is gone."""

import email
import email.policy
import os
import re

import pytest
from playwright.sync_api import Page, expect

from sidos.accounts.models import Role
from sidos.conftest import PASSWORD
from sidos.customers.models import Customer
from sidos.mail.tasks import send_due
from sidos.mail.tests.servers import SmtpServer
from sidos.orders.models import Order
from sidos.privacy.models import DataSubjectRequest
from sidos.privacy.tests.portalhelpers import make_person

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SIDOS_SCREENSHOT_DIR", "/tmp")


@pytest.fixture
def smtp(smtp_server, settings, live_server, tmp_path):
    settings.SIDOS_PUBLIC_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.1
    return smtp_server


def mailed(server: SmtpServer, to: str, pattern: str) -> str:
    send_due()  # what `sidos worker` does with the outbox
    for received in reversed(server.received):
        if received["to"] == [to]:
            message = email.message_from_bytes(received["content"], policy=email.policy.default)
            found = re.search(pattern, message.get_body(("plain",)).get_content())
            if found:
                return found.group(0)
    raise AssertionError(f"no such mail to {to}")


def portal_login(page: Page, live_server, smtp, address: str) -> None:
    page.goto(live_server.url + "/portal/")
    page.get_by_label("Your e-mail address").fill(address)
    page.get_by_role("button", name="Send me a login link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    page.goto(mailed(smtp, address, r"http://\S+/portal/login/\S+/"))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="What we hold about you")).to_be_visible()


def test_a_customer_corrects_their_address_asks_for_erasure_and_the_officer_erases(
    page: Page, live_server, smtp, make_staff
):
    make_staff(Role.PRIVACY_OFFICER, "officer")
    aino = make_person("Aino", "Aalto", "aino@example.fi", "A")
    orders = Order.objects.filter(customer=aino).count()
    page.set_viewport_size({"width": 390, "height": 844})
    portal_login(page, live_server, smtp, "aino@example.fi")

    page.get_by_role("link", name="Correct my contact details").click()
    page.get_by_label("E-mail").fill("aino.uusi@example.fi")
    page.get_by_label("Street").fill("Uusikatu 5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("We sent a link to your new e-mail address")).to_be_visible()
    aino.refresh_from_db()
    assert (aino.email, aino.street) == ("aino@example.fi", "Uusikatu 5")
    page.goto(mailed(smtp, "aino.uusi@example.fi", r"http://\S+/portal/verify/\S+/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()
    aino.refresh_from_db()
    assert aino.email == "aino.uusi@example.fi"

    page.goto(live_server.url + "/portal/me/")
    page.get_by_role("link", name="Erase my data").click()
    page.get_by_role("button", name="Ask us to erase my data").click()
    expect(page.get_by_role("heading", name="Request received")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/portal-erasure-request.png", full_page=True)
    dsr = DataSubjectRequest.objects.get()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Privacy").click()
    row = page.locator(f'[data-request="{dsr.pk}"]')
    expect(row).to_contain_text("Aino Aalto")
    row.get_by_role("link").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the customer's personal data is erased.")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Done")
    page.screenshot(path=f"{SCREENSHOTS}/privacy-request-approved.png", full_page=True)
    assert not Customer.objects.filter(pk=aino.pk).exists()
    assert Order.objects.filter(customer__name="Erased customer").count() == orders

    # The portal session ended with the customer.
    page.goto(live_server.url + "/portal/me/")
    expect(page).to_have_url(re.compile(r"/portal/$"))
