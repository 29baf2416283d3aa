"""Customer-list search timings through the list view's code path: search(q) + filters, the default
ordering, the first page of 50 and the count.

Run as `python -m bench.search` with SIDOS_DATABASE_URL set; prints one JSON line.
"""

import json
import os
import random
import statistics
import time

FILTERS = [{}, {"country": "SE"}, {"country": "NO"}, {"country": "FI"}, {"stage": "commitment"},
           {"stage": "trial"}, {"kind": "organisation"}, {"country": "FI", "stage": "favouring"},
           {"language": "sv"}, {"country": "RU", "kind": "person"}]


def build_queries(customer_model, count_each: int = 40, seed: int = 3) -> list[tuple[str, str, dict]]:
    """(category, q, filters) from real rows, so every term finds something."""
    rng = random.Random(seed)
    top = customer_model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picked = rng.sample(range(1, top + 1), min(top, count_each * 3))
    sample = list(customer_model.objects.filter(pk__in=picked, kind="person").exclude(email="")
                  .order_by("pk")[:count_each])
    queries = []
    for customer in sample:
        last = customer.last_name
        queries.append(("surname prefix", last[: rng.randint(3, max(3, len(last)))], {}))
        queries.append(("full name", f"{customer.first_name} {customer.last_name}", {}))
        local = customer.email.split("@")[0]
        # Search looks in e-mail addresses only for terms with "@" or ".": "matti.vi", "matti@".
        typed = local[: local.find(".") + 3] if "." in local else local + "@"
        queries.append(("e-mail prefix", customer.email if rng.random() < 0.3 else typed, {}))
        phone = customer.phone
        typed = "0" + phone[4:] if phone.startswith("+358") else phone
        queries.append(("phone", typed if rng.random() < 0.7 else typed[: len(typed) - 3], {}))
    for customer in sample[: count_each // 2]:
        queries.append(("customer_id", customer.external_id, {}))
    for index in range(count_each // 2):
        queries.append(("list with filters", "", FILTERS[index % len(FILTERS)]))
    rng.shuffle(queries)
    return queries


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {}
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2),
            "max_ms": round(ordered[-1], 2)}


def run_queries(customer_model, queries) -> list[dict]:
    from sidos.lib.paginator import CappedPaginator  # after django.setup()

    timings = []
    for category, q, filters in queries:
        started = time.perf_counter()
        queryset = customer_model.objects.search(q).filter(**filters)
        # The list view's path: first page plus the capped count (sidos/lib/paginator.py).
        paginator = CappedPaginator(queryset, 50)
        page = list(paginator.page(1).object_list)
        total = paginator.count
        milliseconds = (time.perf_counter() - started) * 1000
        timings.append({"category": category, "q": q, "filters": filters, "ms": milliseconds,
                        "page": len(page), "count": total})
    return timings


def summarise(timings: list[dict]) -> dict:
    by_category = {}
    for timing in timings:
        by_category.setdefault(timing["category"], []).append(timing["ms"])
    slowest = sorted(timings, key=lambda t: -t["ms"])[:5]
    return {
        **percentiles([t["ms"] for t in timings]),
        "by_category": {name: percentiles(values) for name, values in by_category.items()},
        "slowest": [{**t, "ms": round(t["ms"], 2)} for t in slowest],
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sidos.settings")
    import django

    django.setup()
    from django.db import connection

    from sidos.customers.models import Customer

    queries = build_queries(Customer)
    first = run_queries(Customer, queries)
    second = run_queries(Customer, queries)
    print(json.dumps({"vendor": connection.vendor, "customers": Customer.objects.count(),
                      "queries": len(queries), "first_pass": summarise(first),
                      "second_pass": summarise(second)}))


if __name__ == "__main__":
    main()
