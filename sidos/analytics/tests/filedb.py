"""Run by test_arrowdb.py in its own process: the ADBC path needs a database *file* with committed
data, which the test suite's in-memory database is not.

    python -m sidos.analytics.tests.filedb DATABASE_FILE   → one line of JSON on stdout
"""

import datetime as dt
import json
import os
import sqlite3
import sys


def main(path: str) -> None:
    os.environ.update(
        {
            "SIDOS_DATABASE_URL": f"sqlite:///{path}",
            "SIDOS_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "sidos.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sidos.analytics import actions, arrowdb, orderdata
    from sidos.analytics.tests import factories
    from sidos.orders.models import Order, OrderStatus

    people = factories.customers(60)
    orders = []
    for i, person in enumerate(people[:55]):  # five customers never order
        start = dt.date(2023, 1, 1) + dt.timedelta(days=i * 5)
        for k in range(i % 7 + 1):
            orders.append(factories.order(person, start + dt.timedelta(days=k * (15 + i)), 10 + i + k))
    edge = people[0]
    orders += [
        factories.order(edge, dt.date(2024, 3, 1), "-5.00"),  # a refund
        factories.order(edge, dt.date(2024, 3, 2), "7.00", status=OrderStatus.RETURNED),
        factories.order(edge, dt.date(2024, 3, 3), "9.00", status=OrderStatus.CANCELLED),
        factories.order(edge, dt.date(2024, 3, 4), "11.00", currency="SEK"),
        factories.order(edge, dt.date(2024, 3, 4), "0.00"),
    ]
    Order.objects.bulk_create(orders)
    as_of = dt.date(2024, 6, 30)

    def scores(run) -> list:
        with sqlite3.connect(path) as db:
            names = [row[1] for row in db.execute("PRAGMA table_info(analytics_customerscore)")]
            keep = [n for n in names if n not in ("id", "run_id", "computed_at")]
            sql = f"SELECT {', '.join(keep)} FROM analytics_customerscore WHERE run_id = ?"  # noqa: S608
            rows = db.execute(sql + " ORDER BY customer_id", (run.pk,)).fetchall()
        return [dict(zip(keep, row, strict=True)) for row in rows]

    os.environ["SIDOS_ANALYTICS_ARROW"] = "1"
    orderdata.ROWS_PER_READER = 50  # several readers over row ranges, as with millions of orders
    orderdata.READERS = 3
    used = arrowdb.usable()
    arrow_orders = orderdata.load(as_of)
    arrow_ids = orderdata.customer_ids().tolist()
    arrow_run = actions.recompute(as_of=as_of)
    arrow_scores = scores(arrow_run)
    os.environ["SIDOS_ANALYTICS_ARROW"] = "0"
    python_orders = orderdata.load(as_of)
    python_run = actions.recompute(as_of=as_of)
    python_scores = scores(python_run)
    with sqlite3.connect(path) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    print(
        json.dumps(
            {
                "arrow_used": used,
                "orders_equal": arrow_orders.equals(python_orders),
                "orders": len(arrow_orders),
                "ids": sorted(arrow_ids) == sorted(p.pk for p in people),
                "arrow_scores": arrow_scores,
                "python_scores": python_scores,
                "integrity": integrity,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
