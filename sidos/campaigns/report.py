"""A campaign's effect: reach, response, and purchases of the mailed group against the hold-out group.

Conversion compares everyone assigned to the mail (intention to treat: the sent, the failed and the
bounced alike) with the control group, per recipient, over the orders placed within
`conversion_days` after the campaign started. Counting only those who received or opened the mail
would compare self-selected people with a random group and overstate the effect.

The difference of means gets a 95% Welch (unequal-variance) t interval: the two groups differ in size
and, with revenue, in spread, so a pooled variance would be wrong; per-recipient revenue is skewed, but
a mean over hundreds of recipients is close to normal (central limit theorem), which the t interval
needs. With fewer than two recipients in a group there is no interval.
"""

import datetime as dt
import math
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from scipy import stats

from sidos.campaigns.models import Campaign, DeliveryStatus
from sidos.campaigns.segments import NOT_COUNTED
from sidos.orders.models import Order

TREATED = [
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.BOUNCED,
    DeliveryStatus.IN_DOUBT,
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
]


def welch_interval(a: list[float], b: list[float], level: float = 0.95) -> dict:
    """mean(a) − mean(b) with its Welch t interval; None bounds when either group is too small."""
    n_a, n_b = len(a), len(b)
    mean_a = sum(a) / n_a if n_a else 0.0
    mean_b = sum(b) / n_b if n_b else 0.0
    result = {"difference": mean_a - mean_b, "low": None, "high": None, "df": None}
    if n_a < 2 or n_b < 2:
        return result
    var_a = sum((x - mean_a) ** 2 for x in a) / (n_a - 1)
    var_b = sum((x - mean_b) ** 2 for x in b) / (n_b - 1)
    se2 = var_a / n_a + var_b / n_b
    if se2 == 0:
        result.update(low=result["difference"], high=result["difference"])
        return result
    df = se2**2 / ((var_a / n_a) ** 2 / (n_a - 1) + (var_b / n_b) ** 2 / (n_b - 1))
    margin = stats.t.ppf(0.5 + level / 2, df) * math.sqrt(se2)
    result.update(low=result["difference"] - margin, high=result["difference"] + margin, df=df)
    return result


def campaign_report(campaign: Campaign) -> dict:
    deliveries = campaign.deliveries.all()
    counts = dict(deliveries.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    sent = counts.get(DeliveryStatus.SENT, 0)
    response = deliveries.filter(status=DeliveryStatus.SENT).aggregate(
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        opens=Coalesce(Sum("opens"), 0),
        clicks=Coalesce(Sum("clicks"), 0),
    )
    result = {
        "counts": counts,
        "audience": campaign.audience,
        "delivered": sent,
        **response,
        "open_rate": response["opened"] / sent if sent else None,
        "click_rate": response["clicked"] / sent if sent else None,
        "conversion": None,
    }
    result["ab_test"] = ab_test(deliveries)
    if campaign.started_at is None:
        return result
    start = campaign.started_at
    end = start + dt.timedelta(days=campaign.conversion_days)
    orders = (
        Order.objects.filter(customer=OuterRef("customer_id"), ordered_at__gte=start, ordered_at__lt=end)
        .exclude(status__in=NOT_COUNTED)
        .order_by()
        .values("customer")
    )
    money = DecimalField(max_digits=16, decimal_places=2)
    rows = deliveries.filter(status__in=[*TREATED, DeliveryStatus.CONTROL]).annotate(
        n_orders=Coalesce(
            Subquery(orders.annotate(n=Count("pk")).values("n")), Value(0), output_field=IntegerField()
        ),
        revenue=Coalesce(
            Subquery(orders.annotate(s=Sum("amount")).values("s"), output_field=money),
            Value(Decimal(0)),
            output_field=money,
        ),
    )
    groups: dict[str, dict[str, list[float]]] = {
        name: {"orders": [], "revenue": [], "converted": []} for name in ("treatment", "control")
    }
    for status, n_orders, revenue in rows.values_list("status", "n_orders", "revenue"):
        group = groups["control" if status == DeliveryStatus.CONTROL else "treatment"]
        group["orders"].append(float(n_orders))
        group["revenue"].append(float(revenue))
        group["converted"].append(1.0 if n_orders else 0.0)
    summary = {}
    for metric in ("converted", "orders", "revenue"):
        treated, control = groups["treatment"][metric], groups["control"][metric]
        summary[metric] = {
            "treatment": sum(treated) / len(treated) if treated else None,
            "control": sum(control) / len(control) if control else None,
            **welch_interval(treated, control),
        }
    result["conversion"] = {
        "window_days": campaign.conversion_days,
        "until": end,
        "treatment_n": len(groups["treatment"]["orders"]),
        "control_n": len(groups["control"]["orders"]),
        "total_revenue_treatment": sum(groups["treatment"]["revenue"]),
        "metrics": summary,
    }
    return result


def ab_test(deliveries) -> dict | None:
    """Subject A against subject B, by click rate: unique clickers per delivered message.

    Click rate rather than open rate: opens come from a pixel that privacy features of mail clients
    load (or block) without the reader, so they say little about which subject worked. The winner is
    named only when the 95% Welch interval of the difference leaves out zero; otherwise "none".
    """
    arms = {
        arm: [1.0 if clicked else 0.0 for clicked in rows]
        for arm in ("a", "b")
        if (
            rows := list(
                deliveries.filter(arm=arm, status=DeliveryStatus.SENT).values_list("clicked_at", flat=True)
            )
        )
        or deliveries.filter(arm=arm).exists()
    }
    if set(arms) != {"a", "b"}:
        return None
    a, b = arms["a"], arms["b"]
    interval = welch_interval(b, a)
    winner = "none"
    if interval["low"] is not None and interval["low"] > 0:
        winner = "b"
    elif interval["high"] is not None and interval["high"] < 0:
        winner = "a"
    return {
        "metric": "click rate",
        "a": {"delivered": len(a), "clicked": int(sum(a)), "rate": sum(a) / len(a) if a else None},
        "b": {"delivered": len(b), "clicked": int(sum(b)), "rate": sum(b) / len(b) if b else None},
        "difference_b_minus_a": interval,
        "winner": winner,
    }
