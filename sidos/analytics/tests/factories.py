"""Builders for analytics tests: customers and orders written in bulk, fast."""

import datetime as dt
from decimal import Decimal

import polars as pl
from django.utils import timezone

from sidos.customers.models import Customer
from sidos.orders.models import Order


def customers(n: int, prefix: str = "c") -> list[Customer]:
    return Customer.objects.bulk_create(
        [
            Customer(external_id=f"{prefix}{i}", first_name=f"Name{i}", search_name=f"name{i}")
            for i in range(n)
        ]
    )


def at_noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def order(customer, day: dt.date, amount="10.00", **fields) -> Order:
    return Order(customer=customer, ordered_at=at_noon(day), amount=Decimal(str(amount)), **fields)


def import_frame(frame: pl.DataFrame) -> dict[int, Customer]:
    """Write a prep-style frame (customer_id, day, amount) as Customer and Order rows."""
    ids = sorted(set(frame["customer_id"].to_list()))
    created = Customer.objects.bulk_create(
        [Customer(external_id=f"cd{i}", first_name=f"Cd{i}", search_name=f"cd{i}") for i in ids]
    )
    by_id = dict(zip(ids, created, strict=True))
    Order.objects.bulk_create(
        [
            Order(customer=by_id[cid], ordered_at=at_noon(day), amount=Decimal(f"{amount:.2f}"))
            for cid, day, amount in frame.select("customer_id", "day", "amount").iter_rows()
        ],
        batch_size=2000,
    )
    return by_id
