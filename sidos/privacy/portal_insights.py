"""The analytics about a customer, told to the customer in plain words."""

import statistics
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.analytics.rfm import Segment

# What each segment means, said to the customer it describes (the grid is in sidos/analytics/rfm.py).
SEGMENT_MEANING = {
    Segment.CHAMPIONS: _("You have bought from us recently, often and for a fair amount."),
    Segment.LOYAL: _("You buy from us often and for a fair amount, though not in the last few weeks."),
    Segment.POTENTIAL_LOYALISTS: _("You have bought recently and have some history with us."),
    Segment.NEW: _("You made your first purchase only recently."),
    Segment.PROMISING: _("You have bought from us for the first time fairly recently."),
    Segment.NEEDS_ATTENTION: _(
        "Your purchases are about average in how recent, frequent and large they are."
    ),
    Segment.AT_RISK: _("You used to buy a fair amount from us, but not lately."),
    Segment.CANT_LOSE: _("You were among our most active customers, but have not bought for a while."),
    Segment.HIBERNATING: _("You have bought a little from us, some time ago."),
    Segment.LOST: _("Your last purchase was long ago and there have been few."),
    Segment.NO_DATA: _("We have no purchases to describe yet."),
}


def segment_text(segment: str) -> tuple[str, str]:
    """(label, meaning) of a segment value."""
    try:
        value = Segment(segment)
    except ValueError:
        value = Segment.NO_DATA
    return str(value.label), str(SEGMENT_MEANING[value])


def spending(orders: list[dict]) -> dict:
    """Totals per month and per channel, per currency (amounts are never added across currencies)."""
    by_month: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_channel: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for order in orders:
        month = timezone.localtime(order["ordered_at"]).strftime("%Y-%m")
        channel = order["channel"] or "—"
        by_month[(month, order["currency"])] += order["amount"]
        by_channel[(channel, order["currency"])] += order["amount"]
        counts[(channel, order["currency"])] += 1
    return {
        "months": [
            {"month": month, "currency": currency, "total": total}
            for (month, currency), total in sorted(by_month.items())
        ],
        "channels": [
            {"channel": channel, "currency": currency, "total": total, "orders": counts[(channel, currency)]}
            for (channel, currency), total in sorted(by_channel.items(), key=lambda item: -item[1])
        ],
    }


def rhythm(orders: list[dict], score) -> dict:
    """How often the customer buys: the analytics' usual gap when there is one, else from the orders."""
    days = sorted({timezone.localtime(order["ordered_at"]).date() for order in orders})
    gaps = [(later - earlier).days for earlier, later in zip(days, days[1:], strict=False)]
    usual = score.usual_gap_days if score is not None and score.usual_gap_days else None
    if usual is None and gaps:
        usual = statistics.median(gaps)
    since_last = (timezone.localdate() - days[-1]).days if days else None
    return {
        "purchase_days": len(days),
        "first": days[0] if days else None,
        "last": days[-1] if days else None,
        "usual_gap_days": round(usual) if usual is not None else None,
        "days_since_last": since_last,
    }
