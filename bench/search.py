"""Customer-list search timings through the staff list's own code path: CustomerFilterForm (search,
filters, sort), the capped paginator's count and one page of 50 (sidos/customers/views.py).

Run as `python -m bench.search` with SIDOS_DATABASE_URL set; prints one JSON line.

Every search term is taken from a real stored row and typed the way people type it, so every term
finds something: a first-name or surname prefix, a whole surname, the full name, an e-mail address
or its start, a phone number in one of the usual formats, a customer id. The list is also timed with
filters only (stage, tag, country, consent, type), with each sort order, with a search plus a filter,
and on a later page.
"""

import json
import os
import random
import statistics
import time

FILTERS = [{}, {"country": "SE"}, {"country": "NO"}, {"country": "FI"}, {"stage": "commitment"},
           {"stage": "trial"}, {"kind": "organisation"}, {"country": "FI", "stage": "favouring"},
           {"tag": "vip"}, {"tag": "hiking"}, {"consent": "yes"}, {"consent": "no"},
           {"country": "RU", "kind": "person"}, {"country": "SE", "tag": "b2b"},
           {"stage": "interest", "consent": "yes"}, {"kind": "organisation", "country": "NO"}]
SORTS = ["-name", "created", "-created", "updated", "-updated"]


def phone_as_typed(e164: str, style: int) -> str:
    """The stored E.164 number the way someone types it: with spaces, local with a trunk 0, partial."""
    national = e164[4:] if e164.startswith("+358") else None
    if national is not None and style == 0:
        return f"0{national[:2]} {national[2:5]} {national[5:]}"  # 040 123 4567
    if national is not None and style == 1:
        return f"0{national}"  # 0401234567
    if national is not None and style == 2:
        return f"+358 {national[:2]} {national[2:5]} {national[5:]}"  # +358 40 123 4567
    if style == 3:
        return e164[:-3]  # the first digits of the number only
    if style == 4:
        return f"{e164[:3]} {e164[3:6]}-{e164[6:]}"  # +46 701-234567
    return e164


def _prefix(rng: random.Random, text: str) -> str:
    return text[: rng.randint(3, max(3, len(text) - 1))]


def build_queries(customer_model, count_each: int = 40, seed: int = 3) -> list[tuple[str, dict, int]]:
    """(category, list form data, page number) from real rows."""
    rng = random.Random(seed)
    top = customer_model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picked = rng.sample(range(1, top + 1), min(top, count_each * 3))
    sample = list(customer_model.objects.filter(pk__in=picked, kind="person").exclude(email="")
                  .order_by("pk")[:count_each])
    queries = []
    for customer in sample:
        first, last = customer.first_name, customer.last_name
        queries.append(("first-name prefix", {"q": _prefix(rng, first)}, 1))
        queries.append(("surname prefix", {"q": _prefix(rng, last)}, 1))
        queries.append(("surname", {"q": last}, 1))
        queries.append(("full name", {"q": f"{first} {last}"}, 1))
        local = customer.email.split("@")[0]
        # Search looks in e-mail addresses only for terms with "@" or ".": "matti.vi", "matti@".
        typed = local[: local.find(".") + 3] if "." in local else local + "@"
        queries.append(("e-mail", {"q": customer.email if rng.random() < 0.3 else typed}, 1))
        queries.append(("phone", {"q": phone_as_typed(customer.phone, rng.randrange(6))}, 1))
    for customer in sample[: count_each // 2]:
        queries.append(("customer_id", {"q": customer.external_id}, 1))
        term = _prefix(rng, customer.last_name) if rng.random() < 0.5 else customer.first_name
        extra = {"country": customer.country} if rng.random() < 0.5 else {"stage": customer.stage or "trial"}
        queries.append(("search + filter", {"q": term, **extra}, 1))
    for index in range(count_each // 2):
        queries.append(("filters only", FILTERS[index % len(FILTERS)], 1))
        filters = FILTERS[rng.randrange(len(FILTERS))] if index % 2 else {}
        queries.append(("sorted", {**filters, "sort": SORTS[index % len(SORTS)]}, 1))
        source = rng.choice(sample)
        data = rng.choice([{}, {"q": source.first_name}, FILTERS[rng.randrange(len(FILTERS))]])
        queries.append(("later page", data, rng.randint(2, 20)))
    rng.shuffle(queries)
    return queries


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {}
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2),
            "max_ms": round(ordered[-1], 2)}


def run_queries(queries) -> list[dict]:
    # After django.setup().
    from sidos.customers.forms import CustomerFilterForm
    from sidos.customers.views import PAGE_SIZE
    from sidos.lib.paginator import CappedPaginator

    timings = []
    for category, data, number in queries:
        started = time.perf_counter()
        # The list view's path: the filtered, sorted queryset, the capped count and the page's rows.
        page = CappedPaginator(CustomerFilterForm(data).customers(), PAGE_SIZE).get_page(number)
        rows = list(page.object_list)
        milliseconds = (time.perf_counter() - started) * 1000
        timings.append({"category": category, "data": data, "page": number, "ms": milliseconds,
                        "rows": len(rows), "count": page.paginator.count})
    return timings


def summarise(timings: list[dict]) -> dict:
    by_category = {}
    for timing in timings:
        by_category.setdefault(timing["category"], []).append(timing["ms"])
    slowest = sorted(timings, key=lambda t: -t["ms"])[:8]
    return {
        **percentiles([t["ms"] for t in timings]),
        "by_category": {name: percentiles(values) for name, values in sorted(by_category.items())},
        "slowest": [{**t, "ms": round(t["ms"], 2)} for t in slowest],
        "found_nothing": sum(1 for t in timings if t["count"] == 0),
    }


def reference(customer_model, count: int = 200, seed: int = 5) -> dict:
    """The floor on this machine right now: reading one customer by primary key through the ORM."""
    rng = random.Random(seed)
    top = customer_model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    timings = []
    for pk in (rng.randint(1, top) for _ in range(count)):
        started = time.perf_counter()
        list(customer_model.objects.filter(pk=pk))
        timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sidos.settings")
    import django

    django.setup()
    from django.db import connection

    from sidos.customers.models import Customer

    queries = build_queries(Customer)
    first = run_queries(queries)
    second = run_queries(queries)
    print(json.dumps({"vendor": connection.vendor, "customers": Customer.objects.count(),
                      "queries": len(queries), "reference": reference(Customer),
                      "first_pass": summarise(first), "second_pass": summarise(second)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
