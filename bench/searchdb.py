"""A customer table for the search benchmark, built in minutes instead of a full import's half hour.

    python -m bench.searchdb sqlite PATH CSV       # with the app's migrations already applied
    python -m bench.searchdb postgres URL SQLITE   # copies the same rows into a migrated PostgreSQL

Search reads only customers_customer, so that is all this writes: every CSV row goes through the
importer's own parsing and normalisation (parse_customer_row, refresh_search_keys), and the rows land
with executemany (SQLite) or COPY (PostgreSQL) instead of the importer's matching, contact points,
consent ledger and timeline. Both databases hold the very same rows. Statistics are refreshed as
after a big import (sidos/lib/dbstats.py).
"""

import os
import sqlite3
import sys
import time
from pathlib import Path

BATCH = 20_000
IMPORT_BATCH = 2_000  # SIDOS_IMPORT_BATCH_SIZE's default


def _setup(database_url: str) -> None:
    os.environ["SIDOS_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sidos.settings")
    import django

    django.setup()


def load_sqlite(path: Path, csv_path: Path) -> int:
    _setup(f"sqlite:///{path}")
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from sidos.customers.columns import CUSTOMER_ALIASES
    from sidos.customers.importing import CUSTOMER_FIELDS, parse_customer_row
    from sidos.customers.models import Customer
    from sidos.lib.bulkinsert import insert_objects
    from sidos.lib.csvfiles import Record, read_records
    from sidos.lib.dbstats import refresh_statistics

    region, tz = settings.SIDOS_DEFAULT_PHONE_REGION, ZoneInfo(settings.TIME_ZONE)
    count, batch, now = 0, [], timezone.now()

    def flush() -> None:
        with transaction.atomic():
            insert_objects(Customer, batch, CUSTOMER_FIELDS)
        batch.clear()

    with csv_path.open("rb") as stream:
        _columns, records = read_records(stream, CUSTOMER_ALIASES)
        for record in records:
            if not isinstance(record, Record):
                raise SystemExit(f"unreadable benchmark row: {record}")
            row = parse_customer_row(record, region, tz)
            count += 1
            if count % IMPORT_BATCH == 0:
                now = timezone.now()  # as an import stamps each of its batches (updated_at ties)
            customer = Customer(pk=count, **row.values, attributes=row.attributes,
                                marketing_email_consent=row.consent, updated_at=now)
            customer.refresh_search_keys()
            batch.append(customer)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    refresh_statistics(Customer)
    return count


def load_postgres(database_url: str, sqlite_path: Path) -> int:
    _setup(database_url)
    from django.db import connection

    from sidos.customers.models import Customer
    from sidos.lib.dbstats import refresh_statistics

    columns = [field.column for field in Customer._meta.concrete_fields]
    quoted = ", ".join(f'"{column}"' for column in columns)
    source = sqlite3.connect(sqlite_path)
    count = 0
    with connection.cursor() as cursor:
        # SQLite keeps datetimes as naive UTC text.
        cursor.execute("SET TIME ZONE 'UTC'")
        with cursor.copy(f"COPY customers_customer ({quoted}) FROM STDIN") as copy:  # noqa: S608
            for row in source.execute(f"SELECT {quoted} FROM customers_customer ORDER BY id"):  # noqa: S608
                copy.write_row(row)
                count += 1
        cursor.execute("SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), %s)", [count])
    refresh_statistics(Customer)
    return count


def main() -> None:
    vendor, target, source = sys.argv[1:4]
    started = time.perf_counter()
    if vendor == "sqlite":
        count = load_sqlite(Path(target), Path(source))
    else:
        count = load_postgres(target, Path(source))
    print(f"{vendor}: {count} customers in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
