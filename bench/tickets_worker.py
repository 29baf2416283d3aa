"""Loads tickets and times the list page; run by bench/tickets_bench.py with SIDOS_DATABASE_URL set.

Prints one JSON line. Loading uses bulk_create (the benchmark is about reading, not writing).
"""

import datetime as dt
import json
import random
import statistics
import sys
import time

import django

QUEUES = ["General", "Billing", "Delivery", "Returns", "VIP"]
CUSTOMERS = 100_000
BATCH = 20_000


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2),
            "max_ms": round(ordered[-1], 2)}


def load(tickets: int, rng: random.Random) -> dict:
    from django.contrib.auth.models import Group

    from sidos.accounts.actions import create_staff_user
    from sidos.customers.models import Customer
    from sidos.lib.dbstats import refresh_statistics
    from sidos.servicedesk.models import NO_DEADLINE, Queue, Status, Ticket

    started = time.perf_counter()
    agent_group = Group.objects.get(name="agent")
    queues = []
    for name in QUEUES:
        queue, _created = Queue.objects.get_or_create(name=name)
        if name != "VIP":
            queue.groups.add(agent_group)
        queues.append(queue)
    admin = create_staff_user("bench-admin", "bench-password-1", "admin")
    agent = create_staff_user("bench-agent", "bench-password-1", "agent")
    Customer.objects.bulk_create(
        (Customer(first_name=f"First{n}", last_name=f"Last{n}", email=f"c{n}@example.fi",
                  search_name=f"first{n} last{n}") for n in range(CUSTOMERS)),
        batch_size=BATCH,
    )
    first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    now = dt.datetime.now(dt.UTC)
    closed = [Status.RESOLVED, Status.CLOSED]
    batch = []
    for number in range(tickets):
        created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        is_open = rng.random() < 1 / 3
        status = rng.choice([Status.NEW, Status.OPEN, Status.WAITING]) if is_open else rng.choice(closed)
        due = created + dt.timedelta(hours=48)
        paused = status == Status.WAITING
        batch.append(Ticket(
            subject=f"Question number {number} about order {rng.randint(1, 10**6)}",
            channel="email", status=status, is_open=is_open, priority=rng.choice(["low", "normal", "high"]),
            queue=queues[number % len(queues)], customer_id=first_customer + rng.randrange(CUSTOMERS),
            contact_email=f"c{number % CUSTOMERS}@example.fi", assignee=agent if number % 7 == 0 else None,
            first_response_due=due, sla_paused_at=created if paused else None,
            next_due=due if is_open and not paused else NO_DEADLINE, created_at=created,
            resolved_at=None if is_open else created + dt.timedelta(hours=5),
        ))
        if len(batch) == BATCH:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
    refresh_statistics(Ticket, Customer)
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: the visibility map lets the capped count read the
        # index alone. Measured without it, the first minutes after a million-row load are slower.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {Ticket._meta.db_table}")
    return {"load_seconds": round(time.perf_counter() - started, 1), "admin": admin, "agent": agent,
            "queue": queues[1]}


def time_pages(client, urls: list[str]) -> list[float]:
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or b'data-ticket="SD-' not in response.content:
            raise RuntimeError(f"{url} answered {response.status_code} without tickets")
    return timings


def reference_sql(repeats: int) -> dict:
    from django.db import connection

    from sidos.servicedesk.models import Ticket

    table = Ticket._meta.db_table
    sql = (f"SELECT id, subject, status, priority, next_due FROM {table} WHERE is_open "
           "ORDER BY next_due, id LIMIT 50")
    timings = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(sql)
            rows = cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    assert len(rows) == 50
    return percentiles(timings)


def main() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sidos.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    tickets = int(sys.argv[1])
    rng = random.Random(11)
    loaded = load(tickets, rng)
    admin, agent = Client(), Client()
    admin.force_login(loaded["admin"])
    agent.force_login(loaded["agent"])
    time_pages(admin, ["/servicedesk/"] * 3)  # warm up: connection, templates, caches
    views = {
        "default (admin, all queues)": (admin, ["/servicedesk/"] * 40 + [f"/servicedesk/?page={p}" for p in
                                                                         range(2, 22)]),
        "default (agent, role's queues)": (agent, ["/servicedesk/"] * 40 + [f"/servicedesk/?page={p}" for p in
                                                                            range(2, 22)]),
        "one queue": (agent, [f"/servicedesk/?queue={loaded['queue'].pk}"] * 30),
        "assigned to me": (agent, ["/servicedesk/?assignee=me"] * 30),
    }
    results = {name: percentiles(time_pages(client, urls)) for name, (client, urls) in views.items()}
    print(json.dumps({"tickets": tickets, "load_seconds": loaded["load_seconds"], "views": results,
                      "reference_sql": reference_sql(100)}))


if __name__ == "__main__":
    main()
