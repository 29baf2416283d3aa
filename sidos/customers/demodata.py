"""The demo data set: Nordic and Russian customers with two years of orders, as CSV files.

Deterministic: a fixed seed and a fixed anchor date (orders end there, not "today") give
byte-identical files on every run, so the demo and its tests never drift. load-demo feeds the
files through the real importers, so the demo exercises the product's own import path.

Customers come in behaviour segments that later analytics should find again: a few loyal heavy
buyers, regulars, many one-timers, and "drifting" customers whose gaps between orders grow and
whose baskets shrink. A handful of deliberate duplicates (same person under a second customer_id,
e-mail in other case or phone in another format) make duplicate merge demonstrable.
"""

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from pathlib import Path

from sidos.customers.columns import CUSTOMER_COLUMNS

ANCHOR = dt.date(2026, 10, 31)
SEED = 20261031
HISTORY_DAYS = 730
DEFAULT_CUSTOMERS = 3000
CUSTOMER_HEADER = [*CUSTOMER_COLUMNS, "stage", "loyalty_card", "signup_source"]
ORDER_HEADER = ["order_id", "customer_id", "ordered_at", "amount", "currency", "quantity", "channel", "store",
                "product", "status"]

COUNTRIES = [("FI", 75), ("SE", 10), ("NO", 8), ("RU", 7)]
LANGUAGE = {"FI": "fi", "SE": "sv", "NO": "nb", "RU": "ru"}
# segment: (weight, stage choices) — what the relationship stage on record says about this behaviour.
SEGMENTS = {
    "prospect": (12, ["awareness", "knowledge", "interest", "preference"]),
    "one_timer": (33, ["trial"]),
    "occasional": (25, ["satisfaction"]),
    "regular": (17, ["favouring"]),
    "loyal": (5, ["commitment"]),
    "drifting": (8, ["satisfaction", "favouring"]),
}
SEGMENT_WEIGHTS = [(name, weight) for name, (weight, _stages) in SEGMENTS.items()]
STORES = {
    "FI": ["Helsinki Kamppi", "Helsinki Itis", "Espoo Iso Omena", "Tampere", "Turku", "Oulu", "Jyväskylä"],
    "SE": ["Stockholm", "Göteborg"],
    "NO": ["Oslo", "Bergen"],
    "RU": [],
}
HOME_STORES = {"Helsinki": ["Helsinki Kamppi", "Helsinki Itis"], "Vantaa": ["Helsinki Itis"],
               "Espoo": ["Espoo Iso Omena"], "Tampere": ["Tampere"], "Turku": ["Turku"], "Oulu": ["Oulu"],
               "Jyväskylä": ["Jyväskylä"], "Stockholm": ["Stockholm"], "Göteborg": ["Göteborg"],
               "Oslo": ["Oslo"], "Bergen": ["Bergen"]}
# (name, price in EUR, how often it is bought relative to the others)
PRODUCTS = [
    ("Merino wool socks", "19.90", 10), ("Beanie", "24.90", 6), ("Coffee mug", "14.90", 6),
    ("Water bottle", "19.90", 6), ("Thermos bottle", "29.90", 5), ("Sauna towel", "29.00", 5),
    ("Gloves", "34.90", 5), ("Headlamp", "39.90", 4), ("Scarf", "39.00", 4), ("Gift card", "50.00", 4),
    ("Base layer top", "59.00", 4), ("Ski poles", "59.00", 2), ("Camping stove", "69.00", 2),
    ("Wool sweater", "89.00", 3), ("Fleece jacket", "79.00", 3), ("Kids' overall", "79.00", 3),
    ("Backpack 30 L", "99.00", 3), ("Rain jacket", "119.00", 3), ("Trail running shoes", "139.00", 3),
    ("Reindeer hide", "159.00", 1), ("Sleeping bag", "179.00", 2), ("Hiking boots", "189.00", 2),
    ("Down jacket", "249.00", 2), ("Cross-country skis", "299.00", 1), ("Tent for two", "349.00", 1),
]
SMALL_PRODUCTS = [product for product in PRODUCTS if Decimal(product[1]) < 40]
CHANNELS = ["web", "store", "phone"]
WEB_ONLY = [("web", 1)]
CHANNEL_MIX = {"person": [("web", 55), ("store", 35), ("phone", 10)],
               "organisation": [("web", 60), ("phone", 40)], "RU": [("web", 85), ("phone", 15)]}
RECENT_STATUS = [(1, "placed"), (3, "shipped"), (6, "delivered")]
WEB_HOURS = [8, 10, 12, 13, 18, 19, 20, 21, 22]
NORWEGIAN_MOBILE = ["40", "41", "45", "46", "47", "48", "90", "91", "92", "93", "95", "97", "98"]
RUSSIAN_MOBILE = ["916", "903", "905", "915", "926", "985", "999", "921", "962", "911"]
INTEREST_TAGS = ["hiking", "skiing", "running", "camping", "family", "gift-buyer", "eco"]
SIGNUP_SOURCES = [("store", 40), ("web shop", 40), ("event", 8), ("customer service", 12)]
CENT = Decimal("0.01")

_ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a", "ø": "o", "æ": "ae", "é": "e", "ü": "u", "'": "",
                        " ": "", "-": "", ".": "", "«": "", "»": ""})
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
     "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def ascii_slug(text: str) -> str:
    """A lower-case ASCII form of a name for e-mail addresses (Cyrillic transliterated)."""
    lowered = "".join(_CYRILLIC.get(char, char) for char in text.lower())
    return lowered.translate(_ASCII)


def _people() -> dict:
    return json.loads((Path(__file__).parent / "data" / "demo_people.json").read_text(encoding="utf-8"))


@dataclass
class DemoData:
    customers_csv: str
    orders_csv: str
    customer_ids: list[str]
    order_ids: list[str]
    duplicates: list[tuple[str, str]]  # (customer_id of the original, customer_id of its duplicate)
    first_order: dt.date | None = None
    last_order: dt.date | None = None


@dataclass
class _Customer:
    row: dict[str, str]
    segment: str
    country: str
    city: str
    kind: str = "person"
    channels: list[tuple[str, int]] = field(default_factory=list)
    home_store: str = ""


def generate(customers: int = DEFAULT_CUSTOMERS, seed: int = SEED, anchor: dt.date = ANCHOR) -> DemoData:
    """`customers` rows in all (about one in 300 a deliberate duplicate), orders over the HISTORY_DAYS
    before `anchor`."""
    return _Generator(seed, anchor).run(customers)


class _Generator:
    def __init__(self, seed: int, anchor: dt.date):
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.start = anchor - dt.timedelta(days=HISTORY_DAYS)
        self.people = _people()
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.organisations: set[str] = set()
        self._cumulative: dict[int, tuple[list, list[int]]] = {}

    def run(self, size: int) -> DemoData:
        duplicates = max(2, round(size / 300)) if size >= 20 else 0
        people = [self._customer(100001 + index) for index in range(size - duplicates)]
        candidates = [c for c in people if c.kind == "person" and c.row["email"] and c.row["phone"]]
        originals = self.rng.sample(candidates, duplicates)
        pairs = []
        for number, original in enumerate(originals):
            twin = self._duplicate(original, number)
            people.append(twin)
            pairs.append((original.row["customer_id"], twin.row["customer_id"]))
        orders = self._orders(people)
        return DemoData(
            customers_csv=_csv(CUSTOMER_HEADER, [c.row for c in people]),
            orders_csv=_csv(ORDER_HEADER, orders),
            customer_ids=[c.row["customer_id"] for c in people],
            order_ids=[o["order_id"] for o in orders],
            duplicates=pairs,
            first_order=dt.date.fromisoformat(orders[0]["ordered_at"][:10]) if orders else None,
            last_order=dt.date.fromisoformat(orders[-1]["ordered_at"][:10]) if orders else None,
        )

    # -- customers

    def _weighted(self, pairs):
        """One of the (value, weight) pairs' values."""
        return self._weighted_entry(pairs)[0]

    def _weighted_entry(self, entries):
        """One entry of a list whose entries end in their weight."""
        cached = self._cumulative.get(id(entries))
        if cached is None or cached[0] is not entries:
            cached = (entries, list(accumulate(entry[-1] for entry in entries)))
            self._cumulative[id(entries)] = cached
        return self.rng.choices(entries, cum_weights=cached[1])[0]

    def _customer(self, number: int) -> _Customer:
        rng = self.rng
        country = self._weighted(COUNTRIES)
        segment = self._weighted(SEGMENT_WEIGHTS)
        kind = "organisation" if rng.random() < 0.06 else "person"
        language = LANGUAGE[country]
        if country == "FI" and rng.random() < 0.1:
            language = rng.choice(["sv", "sv", "en"])
        names = self.people["SE" if language == "sv" else country]
        city, postal_code = self._place(country)
        row = dict.fromkeys(CUSTOMER_HEADER, "")
        row.update(customer_id=str(number), type=kind, street=self._street(country), postal_code=postal_code,
                   city=city, country=country, language=language)
        if kind == "organisation":
            row["name"] = self._organisation(country)
            row["email"] = self._organisation_email(row["name"], country)
            row["phone"] = self._phone(country)
            row["marketing_email_consent"] = "yes" if rng.random() < 0.3 else "no"
            tags = ["b2b"]
        else:
            female = rng.random() < 0.52
            first = rng.choice(names["female" if female else "male"])
            last = rng.choice(names["last"])
            if country == "RU" and female:
                last = last[:-3] + "ская" if last.endswith("ский") else last + "а"
            age_days = int(365.25 * rng.triangular(18, 86, 42)) + rng.randrange(365)
            birth = self.anchor - dt.timedelta(days=age_days)
            row.update(first_name=first, last_name=last)
            if rng.random() < 0.92:
                row["birth_date"] = birth.isoformat()
            if rng.random() < 0.95:
                row["email"] = self._person_email(first, last, birth, country)
            if rng.random() < 0.9 or not row["email"]:
                row["phone"] = self._phone(country)
            row["marketing_email_consent"] = "yes" if rng.random() < 0.55 else "no"
            tags = rng.sample(INTEREST_TAGS, rng.choice([0, 0, 1, 1, 1, 2, 2, 3]))
            if self.anchor.year - birth.year < 26 and rng.random() < 0.3:
                tags.append("student")
        loyalty_share = {"loyal": 0.9, "regular": 0.6, "drifting": 0.5}.get(segment, 0.2)
        if kind == "person" and rng.random() < loyalty_share:
            row["loyalty_card"] = f"PK{rng.randrange(10**7, 10**8)}"
            tags.append("loyalty-club")
        if segment == "loyal":
            tags.append("vip")
        row["tags"] = "|".join(sorted(tags))
        row["stage"] = rng.choice(SEGMENTS[segment][1])
        row["signup_source"] = self._weighted(SIGNUP_SOURCES)
        customer = _Customer(row, segment, country, city, kind)
        customer.channels = CHANNEL_MIX["RU" if country == "RU" else kind]
        if STORES[country]:
            customer.home_store = rng.choice(HOME_STORES.get(city) or STORES[country])
        return customer

    def _place(self, country: str) -> tuple[str, str]:
        city, low, high, _weight = self._weighted_entry(self.people[country]["cities"])
        width = len(low)
        low_number, high_number = int(low.replace(" ", "")), int(high.replace(" ", ""))
        if country == "FI":  # Finnish street-address codes end in 0
            code = f"{self.rng.randrange(low_number // 10, high_number // 10 + 1) * 10:0{width}d}"
        elif country == "SE":
            number = self.rng.randint(low_number, high_number)
            code = f"{number // 100} {number % 100:02d}"
        else:
            code = f"{self.rng.randint(low_number, high_number):0{width}d}"
        return city, code

    def _street(self, country: str) -> str:
        rng = self.rng
        street = rng.choice(self.people[country]["streets"])
        number = rng.randint(1, 60) if rng.random() < 0.8 else rng.randint(61, 180)
        if country == "RU":
            return f"{street}, д. {number}, кв. {rng.randint(1, 240)}"
        if country == "FI" and rng.random() < 0.6:
            return f"{street} {number} {rng.choice('ABCDE')} {rng.randint(1, 40)}"
        if country == "NO" and rng.random() < 0.3:
            return f"{street} {number}{rng.choice('ABC')}"
        return f"{street} {number}"

    def _organisation(self, country: str) -> str:
        people = self.people[country]
        for _attempt in range(50):
            place, trade = self.rng.choice(people["org_places"]), self.rng.choice(people["org_trades"])
            name = f"ООО «{place} {trade}»" if country == "RU" else f"{place} {trade} {people['org_suffix']}"
            if name not in self.organisations:
                break
            name = ""
        if not name:
            name = f"{place} {trade} {len(self.organisations)} {people['org_suffix']}"
        self.organisations.add(name)
        return name

    def _organisation_email(self, name: str, country: str) -> str:
        people = self.people[country]
        # "Helsingin Rakennus Oy" -> helsinginrakennus.fi, "ООО «Северный Ветер»" -> severnyyveter.ru
        words = name[4:] if country == "RU" else name.rsplit(" ", 1)[0]
        return self._unique_email(f"{people['org_mailbox']}@{ascii_slug(words)}.{people['tld']}")

    def _person_email(self, first: str, last: str, birth: dt.date, country: str) -> str:
        rng = self.rng
        first, last = ascii_slug(first), ascii_slug(last)
        local = rng.choices(
            [f"{first}.{last}", f"{first}{last}", f"{first[0]}.{last}",
             f"{first}.{last}{birth.year % 100:02d}", f"{first}{rng.randint(1, 99)}"],
            cum_weights=[40, 55, 70, 85, 100])[0]
        return self._unique_email(f"{local}@{self._weighted(self.people[country]['email_domains'])}")

    def _unique_email(self, address: str) -> str:
        local, domain = address.split("@")
        candidate, number = address, 1
        while candidate in self.emails:
            number += 1
            candidate = f"{local}{number}@{domain}"
        self.emails.add(candidate)
        return candidate

    def _phone(self, country: str) -> str:
        """A mobile number valid for the country, written the way people type them."""
        rng = self.rng
        while True:
            digits = f"{rng.randrange(10**7):07d}"
            if country == "FI":
                prefix = rng.choice(["40", "41", "44", "45", "46", "50"])
                e164 = f"+358{prefix}{digits}"
                styles = [f"0{prefix} {digits[:3]} {digits[3:]}", f"0{prefix}{digits}",
                          f"+358 {prefix} {digits[:3]} {digits[3:]}", e164]
            elif country == "SE":
                prefix = rng.choice(["70", "72", "73", "76", "79"])
                e164 = f"+46{prefix}{digits}"
                styles = [f"+46 {prefix}-{digits[:3]} {digits[3:5]} {digits[5:]}", e164,
                          f"0046 {prefix} {digits[:3]} {digits[3:5]} {digits[5:]}"]
            elif country == "NO":
                number = rng.choice(NORWEGIAN_MOBILE) + digits[:6]
                e164 = f"+47{number}"
                styles = [f"+47 {number[:3]} {number[3:5]} {number[5:]}", e164,
                          f"0047 {number[:3]} {number[3:]}"]
            else:
                operator = rng.choice(RUSSIAN_MOBILE)
                e164 = f"+7{operator}{digits}"
                styles = [f"+7 {operator} {digits[:3]}-{digits[3:5]}-{digits[5:]}",
                          f"+7 ({operator}) {digits[:3]}-{digits[3:5]}-{digits[5:]}", e164]
            if e164 not in self.phones:
                self.phones.add(e164)
                return rng.choice(styles)

    def _duplicate(self, original: _Customer, number: int) -> _Customer:
        """The same person again, as another source system (the web shop) recorded them."""
        row = dict(original.row)
        row["customer_id"] = f"WEB-{20001 + number}"
        variant = number % 3
        if variant in (0, 2):  # the same address in other case
            local, domain = row["email"].split("@")
            row["email"] = f"{local.title()}@{domain.capitalize()}"
        if variant in (1, 2):  # the same number typed another way
            row["phone"] = _reformat(row["phone"])
        if variant == 0:
            row["phone"] = ""
        if variant == 1:
            row["email"] = ""
        row.update(stage="trial", tags="", loyalty_card="", signup_source="web shop", birth_date="")
        twin = _Customer(row, "one_timer", original.country, original.city, "person",
                         WEB_ONLY, original.home_store)
        return twin

    # -- orders

    def _orders(self, people: list[_Customer]) -> list[dict[str, str]]:
        rows = []
        for index, customer in enumerate(people):
            dates = self._order_dates(customer.segment)
            first = min(dates) if dates else self.start + dt.timedelta(days=self.rng.randrange(HISTORY_DAYS))
            # Customers became customers some time before their first order (long before, for some).
            before = self.rng.randrange(900) if customer.segment != "prospect" else 0
            created = first - dt.timedelta(days=before)
            customer.row["created_at"] = f"{created.isoformat()} {self._clock(8, 21)}"
            # Staff marked some who left as former customers; finding the rest is the analytics' job.
            if dates and (self.anchor - dates[-1]).days > 400 and self.rng.random() < 0.4:
                customer.row["stage"] = "former"
            spend = 1.0
            for day in dates:
                rows.extend(self._order(customer, index, day, spend))
                if customer.segment == "drifting":
                    spend *= 0.8  # volumes fall as well as gaps grow
        rows.sort(key=lambda r: (r["ordered_at"], r["_sort"]))
        for number, row in enumerate(rows, start=1):
            row["order_id"] = f"SO{number:07d}"
            del row["_sort"]
        return rows

    def _order_dates(self, segment: str) -> list[dt.date]:
        rng = self.rng
        day = self.start + dt.timedelta(days=rng.uniform(0, 60))
        if segment == "prospect":
            return []
        if segment == "one_timer":
            return [self.start + dt.timedelta(days=rng.randrange(HISTORY_DAYS + 1))]
        if segment == "occasional":
            days = sorted(rng.sample(range(HISTORY_DAYS + 1), rng.randint(2, 4)))
            return [self.start + dt.timedelta(days=d) for d in days]
        gap, growth = {"regular": (rng.uniform(30, 75), 1.0), "loyal": (rng.uniform(9, 25), 1.0),
                       "drifting": (rng.uniform(18, 35), rng.uniform(1.25, 1.6))}[segment]
        dates = []
        while day <= self.anchor:
            dates.append(day)
            day += dt.timedelta(days=max(1.0, gap * rng.uniform(0.6, 1.4)))
            gap *= growth
        return dates

    def _clock(self, first_hour: int, last_hour: int) -> str:
        return f"{self.rng.randint(first_hour, last_hour):02d}:{self.rng.randrange(60):02d}"

    def _order(self, customer: _Customer, index: int, day: dt.date, spend: float) -> list[dict[str, str]]:
        """One order, and now and then its return a few days later (a negative amount)."""
        rng = self.rng
        channel = self._weighted(customer.channels) if rng.random() < 0.75 else rng.choice(CHANNELS)
        if channel == "store" and not customer.home_store:
            channel = "web"
        store = ""
        if channel == "store":
            store = customer.home_store if rng.random() < 0.85 else rng.choice(STORES[customer.country])
        lines = rng.choices([1, 2, 3, 4], cum_weights=[60, 85, 95, 100])[0]
        if customer.segment == "loyal" and rng.random() < 0.6:
            lines += 1  # heavy buyers fill bigger baskets
        bought = []
        for _line in range(lines):
            # A drifting customer buys the small things more and more often.
            name, price, _weight = self._weighted_entry(PRODUCTS if rng.random() < spend else SMALL_PRODUCTS)
            quantity = rng.choices([1, 2, 3], cum_weights=[80, 95, 100])[0]
            if customer.kind == "organisation":
                quantity *= rng.randint(2, 10)
            bought.append((name, Decimal(price), quantity))
        total = sum(price * quantity for _name, price, quantity in bought)
        if rng.random() < 0.15:
            total *= Decimal(rng.choice(["0.9", "0.8", "0.7"]))  # campaign discounts
        age = (self.anchor - day).days
        status = "completed"
        if channel != "store":
            # Recent web and phone orders are still on their way.
            status = next((name for days, name in RECENT_STATUS if age <= days), "completed")
            if rng.random() < 0.015:
                status = "cancelled"
        hour = rng.choice(WEB_HOURS) if channel == "web" else rng.randint(9, 20)
        clock = f"{hour:02d}:{rng.randrange(60):02d}"
        base = {"customer_id": customer.row["customer_id"], "currency": "EUR", "channel": channel,
                "store": store}
        rows = [{**base, "ordered_at": f"{day.isoformat()} {clock}",
                 "amount": str(total.quantize(CENT, rounding=ROUND_HALF_UP)),
                 "quantity": str(sum(quantity for _name, _price, quantity in bought)),
                 "product": ", ".join(name for name, _price, _quantity in bought),
                 "status": status, "_sort": (index, 0)}]
        returned_on = day + dt.timedelta(days=rng.randint(3, 21))
        if status != "cancelled" and rng.random() < 0.04 and returned_on <= self.anchor:
            name, price, quantity = rng.choice(bought)
            rows.append({**base, "ordered_at": f"{returned_on.isoformat()} {self._clock(10, 18)}",
                         "amount": str(-(price * quantity)), "quantity": str(quantity),
                         "product": name, "status": "returned", "_sort": (index, 1)})
        return rows


def _reformat(phone: str) -> str:
    """The same number in another spelling: spaces taken out, or put in."""
    compact = phone.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if compact != phone:
        return compact
    if compact.startswith("+358"):
        return f"0{compact[4:6]} {compact[6:9]} {compact[9:]}"
    return f"{compact[:3]} {compact[3:6]} {compact[6:]}"


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
