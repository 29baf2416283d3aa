"""The staff app in a real Chromium: what a person does with a mouse and a keyboard."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from sidos.conftest import PASSWORD
from sidos.customers.actions import record_consent
from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer, make_order

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still plain sync calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("SIDOS_SCREENSHOT_DIR", "/tmp")


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()


def test_it_logs_in_through_the_login_form_and_out_again(page: Page, live_server, agent):
    log_in(page, live_server, "agent")
    expect(page.locator(".whoami")).to_contain_text("Customer-service agent")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_it_imports_a_csv_through_the_upload_page(page: Page, live_server, admin_user, csv_file):
    path = csv_file(
        "customer_id;etunimi;sukunimi;sähköposti;kaupunki\n"
        "K-1;Aino;Aalto;aino@example.fi;Helsinki\n"
        "K-2;Eino;Leino;not-an-address;Turku\n",
        name="messu.csv",
        encoding="utf-8-sig",
    )
    log_in(page, live_server, "admin")
    page.get_by_role("link", name="Import", exact=True).click()
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("radio", name="Customers").check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="messu.csv")).to_be_visible()
    expect(page.locator('[data-count="created"]')).to_have_text("1")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows (CSV)").click()
    report = download.value.path().read_text(encoding="utf-8")
    assert "not-an-address" in report
    assert Customer.objects.get(external_id="K-1").city == "Helsinki"


def test_it_searches_for_a_customer_and_opens_them(page: Page, live_server, agent):
    page.set_viewport_size({"width": 1400, "height": 900})
    aino = make_customer(
        first_name="Aino",
        last_name="Aalto",
        email="aino@example.fi",
        phone="040 123 4567",
        city="Helsinki",
        country="FI",
        stage="commitment",
        tags=["vip", "newsletter"],
        street="Mannerheimintie 1",
        postal_code="00100",
        external_id="K-1001",
        attributes={"loyalty_level": "gold"},
    )
    for number, (first, last, stage, city) in enumerate(
        [
            ("Eino", "Leino", "trial", "Turku"),
            ("Maija", "Korhonen", "interest", "Tampere"),
            ("Veikko", "Nieminen", "satisfaction", "Oulu"),
            ("Helmi", "Mäkinen", "awareness", "Espoo"),
        ]
    ):
        make_customer(
            first_name=first,
            last_name=last,
            stage=stage,
            city=city,
            country="FI",
            email=f"{first.lower()}@example.fi",
            external_id=f"K-{2000 + number}",
        )
    make_customer(
        kind="organisation",
        name="Kahvila Aalto Oy",
        city="Vantaa",
        country="FI",
        stage="preference",
        tags=["b2b"],
        email="info@kahvila.example",
    )
    record_consent(agent, aino, channel="email", purpose="marketing", granted=True, source="web form")
    record_consent(agent, aino, channel="sms", purpose="marketing", granted=False, source="phone call")
    for number in range(6):
        make_order(
            aino,
            f"T-{number}",
            amount=f"{20 + number * 7}.90",
            days_ago=number * 30,
            channel="web",
            product=["Coffee beans", "Grinder", "Filter papers"][number % 3],
            status="completed",
        )

    log_in(page, live_server, "agent")
    page.screenshot(path=f"{SCREENSHOTS}/sidos-list.png", full_page=True)
    page.get_by_label("Search").fill("aalto")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)  # a prefix search: "Kahvila Aalto Oy" starts with neither word
    expect(page.locator(".result-count")).to_contain_text("1 customer")
    page.get_by_role("link", name="Aino Aalto").click()
    expect(page.get_by_role("heading", name="Aino Aalto", level=1)).to_be_visible()
    expect(page.get_by_text("+358401234567").first).to_be_visible()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/sidos-360.png", full_page=True)


def test_it_edits_a_field_and_shows_it_saved(page: Page, live_server, agent):
    customer = make_customer(first_name="Aino", last_name="Aalto", city="Helsinki")
    log_in(page, live_server, "agent")
    page.goto(live_server.url + customer.get_absolute_url())
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("city").fill("Jyväskylä")
    page.get_by_label("phone").fill("not a phone")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".field.has-error")).to_contain_text("phone")
    page.get_by_label("phone").fill("050 765 4321")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    expect(page.locator(".props")).to_contain_text("Jyväskylä")
    expect(page.locator(".timeline")).to_contain_text("Details changed")
    customer.refresh_from_db()
    assert (customer.city, customer.phone) == ("Jyväskylä", "+358507654321")


def test_it_merges_two_duplicates(page: Page, live_server, agent):
    kept = make_customer(first_name="Aino", last_name="Aalto", email="aino@example.fi", external_id="OLD-1")
    duplicate = make_customer(
        first_name="Aino",
        last_name="Aalto",
        email="aino@example.fi",
        phone="040 111 2222",
        external_id="NEW-9",
    )
    make_order(duplicate, "T-1")
    log_in(page, live_server, "agent")
    page.goto(live_server.url + kept.get_absolute_url())
    panel = page.locator("section.panel-warning")
    expect(panel).to_contain_text("Possible duplicates")
    panel.get_by_role("link", name="Merge…").click()
    expect(page.get_by_role("heading", name="Merge customers")).to_be_visible()
    page.get_by_label(f"Keep #{kept.pk}").check()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_text(f"Merged #{duplicate.pk} into Aino Aalto.")).to_be_visible()
    expect(page).to_have_url(live_server.url + kept.get_absolute_url())
    expect(page.locator("section.panel-warning")).to_have_count(0)
    expect(page.locator(".props")).to_contain_text("+358401112222")
    expect(page.locator(".props")).to_contain_text("NEW-9")  # the duplicate's id, kept as an alias
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert kept.orders.count() == 1
