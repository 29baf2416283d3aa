"""Deterministic benchmark CSV files: N customers in the Conventions' columns, and orders for them.

Names, streets and cities come from the demo data's lists, so search terms hit realistic
numbers of rows (a common surname matches about 1 % of all customers). Every customer has a
customer_id, a unique e-mail and a unique phone, like an export from a real source system.
"""

import csv
import datetime as dt
import json
import random
from pathlib import Path

from sidos.customers.demodata import ascii_slug

PEOPLE = Path(__file__).resolve().parent.parent / "sidos" / "customers" / "data" / "demo_people.json"
CUSTOMER_COLUMNS = ["customer_id", "type", "first_name", "last_name", "name", "email", "phone", "street",
                    "postal_code", "city", "country", "language", "birth_date", "marketing_email_consent",
                    "tags", "created_at", "stage"]
ORDER_COLUMNS = ["order_id", "customer_id", "ordered_at", "amount", "currency", "quantity", "channel",
                 "store", "product", "status"]
FINNISH_MOBILE = ["40", "41", "44", "45", "46", "50"]
COUNTRIES = ["FI"] * 15 + ["SE"] * 2 + ["NO", "RU"]
LANGUAGE = {"FI": "fi", "SE": "sv", "NO": "nb", "RU": "ru"}
TAGS = ["", "", "", "vip", "newsletter", "hiking|skiing", "family", "b2b", "student|running", "eco"]
STAGES = ["", "trial", "satisfaction", "favouring", "commitment", "interest"]
CHANNELS = ["web", "web", "store", "phone"]
STORES = ["Helsinki Kamppi", "Tampere", "Turku", "Oulu", "Stockholm", "Oslo"]
PRODUCTS = ["Merino wool socks", "Rain jacket", "Headlamp", "Backpack 30 L", "Down jacket", "Coffee mug"]
def _phone(country: str, serial: int, style: int) -> str:
    """A mobile number in the way people type them; serial (0..9,999,999) makes it unique."""
    digits = f"{serial:07d}"
    if country == "FI":
        prefix = FINNISH_MOBILE[style % 6]
        return f"0{prefix} {digits[:3]} {digits[3:]}" if style % 2 else f"+358{prefix}{digits}"
    if country == "SE":
        return f"+46 70-{digits[:3]} {digits[3:5]} {digits[5:]}"
    if country == "NO":
        return f"+47 9{digits[:2]} {digits[2:4]} {digits[4:]}"
    return f"+7 916 {digits[:3]}-{digits[3:5]}-{digits[5:]}"


def write_customers(path: Path, count: int, seed: int = 1) -> None:
    people = json.loads(PEOPLE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    per_country = {}
    for code, lists in people.items():
        firsts = lists["male"] + lists["female"]
        cities = [(city, low) for city, low, _high, _weight in lists["cities"]]
        domains = [domain for domain, _weight in lists["email_domains"]]
        per_country[code] = (firsts, lists["last"], lists["streets"], cities, domains,
                             [ascii_slug(n) for n in firsts], [ascii_slug(n) for n in lists["last"]])
    start = dt.datetime(2015, 1, 1)
    if count > 10_000_000:
        raise ValueError("at most 10,000,000 customers (phone numbers would repeat)")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CUSTOMER_COLUMNS)
        for number in range(count):
            country = COUNTRIES[rng.randrange(len(COUNTRIES))]
            firsts, lasts, streets, cities, domains, ascii_firsts, ascii_lasts = per_country[country]
            f, last = rng.randrange(len(firsts)), rng.randrange(len(lasts))
            city, postal = cities[rng.randrange(len(cities))]
            organisation = rng.random() < 0.04
            name = f"{lasts[last]} {rng.choice(('Rakennus', 'Konsultointi', 'Kuljetus'))} {number}" \
                if organisation else ""
            # A permutation of 0..9,999,999 (the stride is coprime to 10**7): no two customers share a phone.
            serial = (number * 7_654_321 + 1_234_567) % 10_000_000
            birth = f"{rng.randint(1940, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            created = start + dt.timedelta(minutes=rng.randrange(6_000_000))
            writer.writerow((
                f"C{number + 1:08d}",
                "organisation" if organisation else "person",
                "" if organisation else firsts[f],
                "" if organisation else lasts[last],
                name,
                f"{ascii_firsts[f]}.{ascii_lasts[last]}{number}@{domains[rng.randrange(len(domains))]}",
                _phone(country, serial, rng.randrange(6)),
                f"{streets[rng.randrange(len(streets))]} {rng.randint(1, 99)}",
                postal,
                city,
                country,
                LANGUAGE[country],
                "" if organisation else birth,
                "yes" if rng.random() < 0.55 else "no",
                TAGS[rng.randrange(len(TAGS))],
                created.strftime("%Y-%m-%dT%H:%M:%S"),
                STAGES[rng.randrange(len(STAGES))],
            ))


def write_orders(path: Path, count: int, customers: int, seed: int = 2) -> None:
    rng = random.Random(seed)
    start = dt.datetime(2024, 11, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ORDER_COLUMNS)
        for number in range(count):
            channel = CHANNELS[rng.randrange(len(CHANNELS))]
            amount = rng.lognormvariate(4.0, 0.8) * (-1 if rng.random() < 0.03 else 1)
            writer.writerow((
                f"O{number + 1:09d}",
                f"C{rng.randrange(customers) + 1:08d}",
                (start + dt.timedelta(minutes=rng.randrange(730 * 1440))).strftime("%Y-%m-%d %H:%M"),
                f"{amount:.2f}",
                "EUR",
                rng.randint(1, 4),
                channel,
                STORES[rng.randrange(len(STORES))] if channel == "store" else "",
                PRODUCTS[rng.randrange(len(PRODUCTS))],
                "returned" if amount < 0 else "completed",
            ))
