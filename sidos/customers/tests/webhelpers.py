"""Small builders the web-app tests share."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from sidos.customers.actions import create_customer
from sidos.orders.models import Order


def make_customer(**fields):
    data = {"first_name": "Aino", "last_name": "Virtanen", **fields}
    return create_customer(None, data, source="test")


def make_order(customer, external_id: str, amount: str = "10.00", days_ago: int = 0, **fields):
    return Order.objects.create(
        customer=customer,
        external_id=external_id,
        amount=Decimal(amount),
        ordered_at=timezone.now() - dt.timedelta(days=days_ago),
        **fields,
    )
