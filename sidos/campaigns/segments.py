"""Segment filters: a JSON object of conditions, all of which must hold, turned into one SQL query.

    {"country": ["FI", "SE"], "language": ["fi"], "stage": ["trial"], "kind": "person",
     "tags_any": ["vip"], "tags_all": [], "tags_none": ["staff"],
     "rfm_segment": ["at_risk", "cant_lose"], "churn_risk": ["high"], "churn_flagged": true,
     "value_class": ["top"], "orders_min": 1, "orders_max": 10, "revenue_min": "100.00",
     "revenue_max": "5000", "last_order_within_days": 90, "no_order_within_days": 180}

Analytics conditions read the current analytics run. Churn-risk bands split CustomerScore.churn_risk
at 1/3 and 2/3; value classes group the lifetime-value deciles (10 = most valuable tenth): top 9-10,
middle 4-8, low 1-3. Orders count and revenue leave out cancelled and returned orders.
Consent and suppression are not part of a segment: the sender applies them (audience.py).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from sidos.analytics.models import CustomerScore
from sidos.analytics.rfm import Segment as RfmSegment
from sidos.customers.models import Customer, CustomerKind, CustomerTagIndex, Stage
from sidos.orders.models import Order, OrderStatus

CHURN_BANDS = {"low": (0.0, 1 / 3), "medium": (1 / 3, 2 / 3), "high": (2 / 3, 1.01)}
VALUE_CLASSES = {"top": (9, 10), "middle": (4, 8), "low": (1, 3)}
NOT_COUNTED = [OrderStatus.CANCELLED, OrderStatus.RETURNED]
LANGUAGES = ["fi", "sv", "en", "no", "nb", "ru", "de", "et"]

LIST_FIELDS = {"country", "language", "stage", "city", "tags_any", "tags_all", "tags_none"}
CHOICE_FIELDS = {
    "stage": set(Stage.values),
    "rfm_segment": set(RfmSegment.values),
    "churn_risk": set(CHURN_BANDS),
    "value_class": set(VALUE_CLASSES),
}
INT_FIELDS = {"orders_min", "orders_max", "last_order_within_days", "no_order_within_days"}
MONEY_FIELDS = {"revenue_min", "revenue_max"}
FIELDS = [
    "kind",
    "country",
    "language",
    "city",
    "stage",
    "tags_any",
    "tags_all",
    "tags_none",
    "rfm_segment",
    "churn_risk",
    "churn_flagged",
    "value_class",
    "orders_min",
    "orders_max",
    "revenue_min",
    "revenue_max",
    "last_order_within_days",
    "no_order_within_days",
]


class SegmentError(ValueError):
    """A filter definition that cannot be used; `errors` maps each bad field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


def _strings(value, field: str, errors: dict) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        errors[field] = _("a list of one or more non-empty strings")
        return None
    return [v.strip() for v in value]


def validate(definition) -> dict:
    """The definition cleaned (codes normalised) or SegmentError naming every bad field."""
    if not isinstance(definition, dict):
        raise SegmentError({"definition": _("must be a JSON object of filters")})
    errors: dict[str, str] = {}
    clean: dict = {}
    for field, value in definition.items():
        if field not in FIELDS:
            errors[field] = _("unknown filter; known filters: %(known)s") % {"known": ", ".join(FIELDS)}
            continue
        if value is None or value == [] or value == "":
            continue  # an empty editor field is no filter
        if field == "kind":
            if value not in CustomerKind.values:
                errors[field] = _("must be one of %(choices)s") % {"choices": ", ".join(CustomerKind.values)}
            else:
                clean[field] = value
        elif field == "churn_flagged":
            if not isinstance(value, bool):
                errors[field] = _("must be true or false")
            else:
                clean[field] = value
        elif field in LIST_FIELDS or field in CHOICE_FIELDS:
            items = _strings(value, field, errors)
            if items is None:
                continue
            if field == "country":
                items = [item.upper() for item in items]
                bad = [item for item in items if len(item) != 2 or not item.isalpha()]
                if bad:
                    errors[field] = _("not two-letter country codes: %(bad)s") % {"bad": ", ".join(bad)}
                    continue
            if field == "language":
                items = [item.lower() for item in items]
            if field in CHOICE_FIELDS:
                bad = [item for item in items if item not in CHOICE_FIELDS[field]]
                if bad:
                    errors[field] = _("unknown value %(bad)s; choose from %(choices)s") % {
                        "bad": ", ".join(bad),
                        "choices": ", ".join(sorted(CHOICE_FIELDS[field])),
                    }
                    continue
            clean[field] = items
        elif field in INT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors[field] = _("must be a whole number, 0 or more")
            else:
                clean[field] = value
        elif field in MONEY_FIELDS:
            try:
                amount = Decimal(str(value).replace(",", "."))
            except InvalidOperation:
                amount = None
            if isinstance(value, bool) or amount is None or not amount.is_finite() or amount < 0:
                errors[field] = _("must be an amount, 0 or more")
            else:
                clean[field] = str(amount)
    for low, high in (("orders_min", "orders_max"), ("revenue_min", "revenue_max")):
        if low in clean and high in clean and Decimal(clean[low]) > Decimal(clean[high]):
            errors[high] = _("must not be less than %(low)s") % {"low": low}
    if errors:
        raise SegmentError(errors)
    return clean


def customers_matching(definition: dict, *, now: dt.datetime | None = None):
    """A lazy queryset of the customers matching the (validated) definition: one SQL query when read."""
    spec = validate(definition)
    now = now or timezone.now()
    customers = Customer.objects.all()
    for field in ("kind",):
        if field in spec:
            customers = customers.filter(**{field: spec[field]})
    for field in ("country", "language", "stage", "city"):
        if field in spec:
            customers = customers.filter(**{f"{field}__in": spec[field]})
    # The tag index (kept by database triggers) instead of JSON containment, which SQLite cannot index.
    if "tags_any" in spec:
        customers = customers.filter(pk__in=_tagged(spec["tags_any"]))
    for tag in spec.get("tags_all", []):
        customers = customers.filter(pk__in=_tagged([tag]))
    if "tags_none" in spec:
        customers = customers.exclude(pk__in=_tagged(spec["tags_none"]))
    scores = _score_filter(spec)
    if scores is not None:
        customers = customers.filter(
            pk__in=CustomerScore.objects.filter(scores, run__is_current=True).values("customer_id")
        )
    return _order_filters(customers, spec, now)


def _tagged(tags: list[str]):
    return CustomerTagIndex.objects.filter(tag__in=tags).values("customer_id")


def _score_filter(spec: dict) -> Q | None:
    parts = []
    if "rfm_segment" in spec:
        parts.append(Q(segment__in=spec["rfm_segment"]))
    if "churn_risk" in spec:
        band = Q()
        for name in spec["churn_risk"]:
            low, high = CHURN_BANDS[name]
            band |= Q(churn_risk__gte=low, churn_risk__lt=high)
        parts.append(band)
    if "churn_flagged" in spec:
        parts.append(Q(flagged=spec["churn_flagged"]))
    if "value_class" in spec:
        value = Q()
        for name in spec["value_class"]:
            low, high = VALUE_CLASSES[name]
            value |= Q(value_decile__gte=low, value_decile__lte=high)
        parts.append(value)
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined &= part
    return combined


def _order_filters(customers, spec: dict, now: dt.datetime):
    counted = Order.objects.filter(customer=OuterRef("pk")).exclude(status__in=NOT_COUNTED)
    per_customer = counted.order_by().values("customer")
    if "orders_min" in spec or "orders_max" in spec:
        customers = customers.annotate(
            segment_orders=Coalesce(
                Subquery(per_customer.annotate(n=Count("pk")).values("n")),
                Value(0),
                output_field=IntegerField(),
            )
        )
        if "orders_min" in spec:
            customers = customers.filter(segment_orders__gte=spec["orders_min"])
        if "orders_max" in spec:
            customers = customers.filter(segment_orders__lte=spec["orders_max"])
    if "revenue_min" in spec or "revenue_max" in spec:
        money = DecimalField(max_digits=16, decimal_places=2)
        customers = customers.annotate(
            segment_revenue=Coalesce(
                Subquery(per_customer.annotate(s=Sum("amount")).values("s"), output_field=money),
                Value(Decimal("0")),
                output_field=money,
            )
        )
        if "revenue_min" in spec:
            customers = customers.filter(segment_revenue__gte=Decimal(spec["revenue_min"]))
        if "revenue_max" in spec:
            customers = customers.filter(segment_revenue__lte=Decimal(spec["revenue_max"]))
    if "last_order_within_days" in spec:
        since = now - dt.timedelta(days=spec["last_order_within_days"])
        recent = Order.objects.exclude(status__in=NOT_COUNTED).filter(ordered_at__gte=since)
        customers = customers.filter(pk__in=recent.values("customer_id"))
    if "no_order_within_days" in spec:
        since = now - dt.timedelta(days=spec["no_order_within_days"])
        recent = Order.objects.exclude(status__in=NOT_COUNTED).filter(ordered_at__gte=since)
        customers = customers.exclude(pk__in=recent.values("customer_id"))
    return customers
