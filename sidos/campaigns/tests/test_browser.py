"""The marketer's whole path in a real Chromium, and the recipient's: mail fetched from a real SMTP server."""

import datetime as dt
import os
import re

import pytest
from playwright.sync_api import Page, expect

from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.campaigns.models import Campaign, Delivery
from sidos.campaigns.tests.helpers import bulk_customers, parsed
from sidos.customers.models import TimelineEvent
from sidos.customers.tests.test_browser import log_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp(smtp_server, settings, live_server):
    settings.SIDOS_PUBLIC_URL = live_server.url
    settings.SIDOS_CAMPAIGN_RATE = 0
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
    return smtp_server


def test_a_marketer_mails_at_risk_customers_and_sees_the_recipients_response(
    page: Page, live_server, marketer, smtp
):
    customers = bulk_customers(5, consent=lambda i: i != 4)
    run = AnalyticsRun.objects.create(as_of=dt.date(2026, 11, 30), status="done", is_current=True)
    for i, customer in enumerate(customers):
        CustomerScore.objects.create(
            run=run, customer=customer, as_of=run.as_of, segment="at_risk" if i in (1, 2, 4) else "champions"
        )
    log_in(page, live_server, "marketer")

    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name="New segment").click()
    page.get_by_label("Name", exact=True).fill("Riskissä")
    page.get_by_label("At risk", exact=True).check()
    expect(page.locator("#segment-count")).to_have_text("3")
    expect(page.locator("#segment-reachable")).to_have_text("2")  # customer 4 has no consent
    page.get_by_role("button", name="Save segment").click()

    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name", exact=True).fill("Tule takaisin")
    page.get_by_label("Segment").select_option(label="Riskissä")
    page.get_by_label("Control group share").fill("0")
    page.locator("#id_fi_subject").fill('Hei {{ first_name|default:"asiakas" }}, meillä on ikävä')
    page.locator("#id_fi_html").fill(
        f'<p>Hei {{{{ first_name }}}}!</p><a href="{live_server.url}/help/">Katso</a>'
    )
    page.locator("#id_fi_text").fill("Hei {{ first_name }}! " + live_server.url + "/help/")
    page.locator("#id_en_subject").fill("Hello {{ first_name }}")
    page.locator("#id_en_text").fill("Hello {{ first_name }}")
    page.get_by_role("button", name="Save campaign").click()
    expect(page.locator("#preview-subject")).to_contain_text("meillä on ikävä")
    page.get_by_role("button", name="Send now").click()
    expect(page.locator('[data-metric="delivered"]')).to_have_text("2")

    delivered = {rcpt: parsed(item) for item in smtp.received for rcpt in item["to"]}
    assert set(delivered) == {customers[1].email, customers[2].email}
    message = delivered[customers[1].email]
    html = message.get_body(("html",)).get_content()
    pixel = re.search(r'src="([^"]+/c/o/[^"]+)"', html).group(1)
    click = re.search(r'href="([^"]+/c/c/[^"]+)"', html).group(1)
    unsubscribe = message["List-Unsubscribe"].strip("<>")

    recipient = page.context.browser.new_page()
    recipient.goto(pixel)
    recipient.goto(click.replace("&amp;", "&"))
    expect(recipient).to_have_url(live_server.url + "/help/")
    recipient.goto(unsubscribe)
    recipient.get_by_role("button", name="Unsubscribe").click()
    expect(recipient.get_by_role("status")).to_contain_text(customers[1].email)

    page.reload()
    expect(page.locator('[data-metric="opened"]')).to_have_text("1")
    expect(page.locator('[data-metric="clicked"]')).to_have_text("1")
    expect(page.locator("#conversion")).to_be_visible()
    campaign = Campaign.objects.get(name="Tule takaisin")
    assert Delivery.objects.get(campaign=campaign, customer=customers[1]).clicks == 1
    titles = set(
        TimelineEvent.objects.filter(customer=customers[1], kind="campaign").values_list("title", flat=True)
    )
    assert any(t.startswith("Opened") for t in titles) and any(t.startswith("Unsubscribed") for t in titles)
