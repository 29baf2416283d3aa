"""{% load analytics %}{% customer_scores customer %} — the analytics card for the customer page."""

import datetime as dt

from django import template
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sidos.analytics import charts, queries

register = template.Library()
SPARK_MONTHS = 24


def monthly_values(customer_id: int, months: int = SPARK_MONTHS) -> list[float]:
    """The customer's purchase value per month for the last `months` months, oldest first (one query)."""
    from sidos.orders.models import Order, OrderStatus

    today = timezone.localdate()
    start_month = today.year * 12 + today.month - months
    start = timezone.make_aware(
        dt.datetime.combine(dt.date(start_month // 12, start_month % 12 + 1, 1), dt.time())
    )
    rows = (
        Order.objects.filter(customer_id=customer_id, ordered_at__gte=start)
        .exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.RETURNED])
        .annotate(month=TruncMonth("ordered_at"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    values = [0.0] * months
    for row in rows:
        month = row["month"]
        index = month.year * 12 + month.month - 1 - start_month
        if 0 <= index < months:
            values[index] += max(float(row["total"] or 0), 0.0)
    return values


@register.inclusion_tag("analytics/_customer_scores.html")
def customer_scores(customer):
    scores = queries.scores_for(customer)
    context = {"scores": scores, "customer": customer}
    if scores and scores.segment != "no_data":
        context["sparkline"] = charts.sparkline(
            monthly_values(scores.customer_id), title="purchases per month"
        )
        context["reason"] = scores.churn_reason
    return context
