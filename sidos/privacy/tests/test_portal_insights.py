"""The analytics about a customer, in plain words, and their spending by month and channel."""

import datetime as dt

import pytest
from django.utils import timezone

from sidos.analytics.models import AnalyticsRun, CustomerScore, RunStatus
from sidos.analytics.rfm import Segment
from sidos.privacy.portal_insights import SEGMENT_MEANING
from sidos.privacy.tests.portalhelpers import make_person, portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_answers(settings):
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.0


def test_the_segment_and_rhythm_come_from_the_current_analytics_run(db):
    aino = make_person("Aino", "Aalto", "aino@example.fi", "A")
    old = AnalyticsRun.objects.create(as_of=dt.date(2026, 1, 1), status=RunStatus.DONE)
    CustomerScore.objects.create(run=old, customer=aino, as_of=old.as_of, segment=Segment.LOST)
    run = AnalyticsRun.objects.create(as_of=timezone.localdate(), status=RunStatus.DONE, is_current=True)
    CustomerScore.objects.create(
        run=run, customer=aino, as_of=run.as_of, segment=Segment.CHAMPIONS, usual_gap_days=31.4, purchases=3
    )
    page = portal_client("aino@example.fi").get("/portal/me/").content.decode()
    assert "Champions" in page and str(SEGMENT_MEANING[Segment.CHAMPIONS]) in page
    assert "Usually about 31 days pass between your purchases." in page
    assert "Lost" not in page


def test_without_analytics_the_rhythm_is_read_from_the_orders(db):
    make_person("Aino", "Aalto", "aino@example.fi", "A")  # orders 70, 40 and 10 days ago
    page = portal_client("aino@example.fi").get("/portal/me/").content.decode()
    assert "No data yet" in page
    assert "You have bought on 3 different days." in page
    assert "Usually about 30 days pass between your purchases." in page
    assert "Your last purchase was 10 days ago." in page


def test_spending_is_summed_per_channel_and_month(db):
    make_person("Aino", "Aalto", "aino@example.fi", "A")  # web 20.00 + 12.25, store 35.50
    page = portal_client("aino@example.fi").get("/portal/me/").content.decode()
    channels = page.split('data-table="channels"')[1].split("</table>")[0]
    assert "<td>web</td><td>2</td><td>32.25 EUR</td>" in channels
    assert "<td>store</td><td>1</td><td>35.50 EUR</td>" in channels
    months = page.split('data-table="months"')[1].split("</table>")[0]
    assert months.count("EUR") == len(
        {(timezone.localdate() - dt.timedelta(days=d)).strftime("%Y-%m") for d in (70, 40, 10)}
    )
