import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone
from scipy import stats

from sidos.campaigns import actions
from sidos.campaigns.models import Delivery, DeliveryStatus
from sidos.campaigns.report import campaign_report, welch_interval
from sidos.campaigns.tests.helpers import bulk_customers, make_campaign
from sidos.orders.models import Order

pytestmark = pytest.mark.django_db


def test_the_welch_interval_matches_scipys_own():
    rng = np.random.default_rng(3)
    a, b = rng.exponential(30, 400).tolist(), rng.exponential(20, 90).tolist()
    ours = welch_interval(a, b)
    theirs = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert ours["low"] == pytest.approx(theirs.low)
    assert ours["high"] == pytest.approx(theirs.high)
    assert welch_interval([1.0], [2.0, 3.0])["low"] is None


def test_the_report_compares_the_mailed_with_the_control_group():
    customers = bulk_customers(200)
    campaign = make_campaign(control_share="0.25")
    actions.prepare_audience(campaign)
    campaign.refresh_from_db()
    deliveries = {d.customer_id: d for d in Delivery.objects.filter(campaign=campaign)}
    treated = [c for c in customers if deliveries[c.pk].status == DeliveryStatus.PENDING]
    control = [c for c in customers if deliveries[c.pk].status == DeliveryStatus.CONTROL]
    assert len(control) == 50
    Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENT
    )
    Delivery.objects.filter(customer__in=treated[:30]).update(opened_at=timezone.now(), opens=1)
    Delivery.objects.filter(customer__in=treated[:10]).update(clicked_at=timezone.now(), clicks=2)
    soon = campaign.started_at + dt.timedelta(days=2)
    Order.objects.bulk_create(
        [Order(customer=c, ordered_at=soon, amount=Decimal("40.00")) for c in treated[:60]]
        + [Order(customer=c, ordered_at=soon, amount=Decimal("40.00")) for c in control[:5]]
        # outside the window, and before the send: neither counts
        + [Order(customer=c, ordered_at=soon + dt.timedelta(days=30), amount=Decimal("99")) for c in control]
        + [
            Order(customer=c, ordered_at=campaign.started_at - dt.timedelta(days=1), amount=Decimal("9"))
            for c in control
        ]
    )
    report = campaign_report(campaign)
    assert report["delivered"] == 150 and report["opened"] == 30 and report["clicked"] == 10
    metrics = report["conversion"]["metrics"]
    assert metrics["converted"]["treatment"] == pytest.approx(60 / 150)
    assert metrics["converted"]["control"] == pytest.approx(5 / 50)
    assert metrics["revenue"]["difference"] == pytest.approx(40 * (60 / 150 - 5 / 50))
    assert metrics["revenue"]["low"] > 0  # a clear effect: the interval leaves out zero


def test_the_ab_test_names_a_winner_only_when_the_interval_leaves_out_zero():
    bulk_customers(400)
    variants = {
        "fi": {"subject": "A", "subject_b": "B", "text": "x", "html": ""},
        "en": {"subject": "A", "subject_b": "B", "text": "x", "html": ""},
    }
    campaign = make_campaign(variants=variants)
    actions.prepare_audience(campaign)
    Delivery.objects.filter(campaign=campaign).update(status=DeliveryStatus.SENT)
    b_rows = list(Delivery.objects.filter(campaign=campaign, arm="b").values_list("pk", flat=True))
    a_rows = list(Delivery.objects.filter(campaign=campaign, arm="a").values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=b_rows[:20] + a_rows[:18]).update(clicked_at=timezone.now())
    assert campaign_report(campaign)["ab_test"]["winner"] == "none"
    Delivery.objects.filter(pk__in=b_rows[:80]).update(clicked_at=timezone.now())
    test = campaign_report(campaign)["ab_test"]
    assert test["winner"] == "b" and test["b"]["clicked"] == 80 and test["a"]["clicked"] == 18
