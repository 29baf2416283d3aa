"""The analytics pages in a real Chromium: dashboard, at-risk list and its CSV, backtest."""

import csv
import datetime as dt
import io
import os
import re

import pytest
from django.db.models import Count
from playwright.sync_api import Page, expect

from sidos.analytics import actions
from sidos.analytics.models import CustomerScore
from sidos.analytics.rfm import Segment
from sidos.analytics.tests import factories
from sidos.conftest import PASSWORD
from sidos.orders.models import Order

# Playwright's sync API runs an event loop in this thread; the ORM calls here are still plain sync calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def scored(settings):
    """Sixty customers with varied histories, scored; the flag threshold is lowered so the at-risk
    list has enough people to page through and export."""
    settings.SIDOS_ANALYTICS_FLAG_RISK = 0.3
    people = factories.customers(60)
    orders = []
    for i, person in enumerate(people):
        start = dt.date(2023, 1, 1) + dt.timedelta(days=(i * 7) % 300)
        for k in range(i % 6 + 1):
            orders.append(factories.order(person, start + dt.timedelta(days=k * (12 + i)), 15 + (i * 7) % 40))
    Order.objects.bulk_create(orders)
    return actions.recompute(as_of=AS_OF)


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()


def test_the_dashboard_shows_segment_sizes_charts_and_the_at_risk_list(
    page: Page, live_server, analyst, scored
):
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Analytics", exact=True).first.click()
    expect(page.get_by_role("heading", name="Customer analytics")).to_be_visible()

    # Segment sizes: the table says what the database holds.
    sizes = dict(
        CustomerScore.objects.filter(run=scored).values_list("segment").annotate(n=Count("id")).order_by()
    )
    labels = dict(Segment.choices)
    for segment, n in sizes.items():
        row = page.locator("tr", has=page.get_by_role("link", name=str(labels[segment]), exact=True))
        expect(row.locator("td.num").first).to_have_text(str(n))

    # The charts are drawn: each bar chart has one bar per segment, with a real size on screen.
    chart = page.get_by_role("img", name="Customers by segment")
    expect(chart).to_be_visible()
    widths = [
        float(w) for w in chart.locator("rect").evaluate_all("bars => bars.map(b => b.getAttribute('width'))")
    ]
    assert len(widths) == len(scored.report["segments"])
    assert sum(1 for w in widths if w > 0) == len(sizes)  # an empty segment gets no bar
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 20
    expect(page.get_by_role("img", name="Share of revenue, %")).to_be_visible()
    expect(page.get_by_role("img", name="Lifetime value by decile")).to_be_visible()

    # The at-risk card lists the flagged customers, most value at risk first.
    top = (
        CustomerScore.objects.filter(run=scored, flagged=True)
        .order_by("-value_at_risk", "customer_id")
        .select_related("customer")
        .first()
    )
    at_risk_card = page.locator("section", has=page.get_by_role("heading", name="At risk, most value first"))
    expect(at_risk_card.locator("td.cell-name a").first).to_have_text(top.customer.display_name)
    page.screenshot(
        path=os.path.join(os.environ.get("SIDOS_SCREENSHOT_DIR", "/tmp"), "analytics-dashboard.png")
    )

    # Through to the full list and the customer it names.
    flagged = CustomerScore.objects.filter(run=scored, flagged=True).count()
    at_risk_card.get_by_role("link", name=f"All ({flagged})").click()
    expect(page.get_by_role("heading", name="At risk")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(min(flagged, 50))
    page.get_by_role("link", name=top.customer.display_name, exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/customers/{top.customer_id}/"))


def test_the_at_risk_csv_downloads_every_flagged_customer(page: Page, live_server, analyst, scored):
    log_in(page, live_server, "analyst")
    page.goto(live_server.url + "/analytics/")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert re.fullmatch(r"at-risk-\d{8}\.csv", download.value.suggested_filename)
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    flagged = CustomerScore.objects.filter(run=scored, flagged=True)
    assert len(rows) == flagged.count() > 0
    assert {int(r["customer_id"]) for r in rows} == set(flagged.values_list("customer_id", flat=True))
    risks = [float(r["value_at_risk"]) for r in rows]
    assert risks == sorted(risks, reverse=True)
    assert all(r["churn_reason"] for r in rows)


def test_the_finnish_ui_shows_finnish_reasons(page: Page, live_server, analyst, scored):
    log_in(page, live_server, "analyst")
    page.context.add_cookies([{"name": "django_language", "value": "fi", "url": live_server.url}])
    page.goto(live_server.url + "/analytics/at-risk/")
    reasons = page.locator("tbody tr td.small")
    expect(reasons.first).to_be_visible()
    text = " ".join(reasons.all_inner_texts())
    assert "päivää" in text and "days" not in text


def test_a_backtest_runs_from_its_page_and_shows_forecast_and_aucs(page: Page, live_server, analyst, scored):
    log_in(page, live_server, "analyst")
    page.goto(live_server.url + "/analytics/")
    page.get_by_role("link", name="Backtest", exact=True).click()
    expect(page.get_by_text("No backtest has been run yet.")).to_be_visible()
    page.get_by_label("Calibration ends").fill("2023-12-31")
    page.get_by_label("Holdout ends").fill("2024-06-30")
    page.get_by_role("button", name="Run backtest").click()
    expect(page.get_by_text("Calibration to 2023-12-31, holdout to 2024-06-30")).to_be_visible()
    chart = page.get_by_role("img", name="Holdout purchases per customer by calibration frequency")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() > 3
    aucs = page.locator(
        "section", has=page.get_by_role("heading", name="Who stopped buying: AUC of each signal")
    )
    for signal in ("churn_risk", "hiatus", "expected_purchases"):
        expect(aucs.get_by_role("rowheader", name=signal, exact=True)).to_be_visible()
    value = aucs.locator("tr", has=page.get_by_role("rowheader", name="hiatus", exact=True)).locator("td")
    assert 0.0 <= float(value.inner_text()) <= 1.0
