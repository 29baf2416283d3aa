"""The yardstick: the same CSV parsed with the csv module and executemany'd into one indexed SQLite table.

No validation, no normalisation, no matching: the floor any importer into SQLite stands on. Same
PRAGMAs as an import's connection in the app (WAL, synchronous=NORMAL, and the page cache an import
runs with, SIDOS_IMPORT_SQLITE_CACHE_MIB: the reference gets the same cache, no handicap) and the same
transaction size as the product's default (SIDOS_IMPORT_BATCH_SIZE), each batch in its own
transaction, as the product commits them; `batch_size=0` is the other yardstick, every row in one
executemany and one transaction.
"""

import csv
import os
import sqlite3
import time
from pathlib import Path

APP_CACHE_MIB = 64000 / 1024  # the app's own connections: cache_size=-64000 (KiB)
# The page cache sidos gives an import's connection (sidos/settings.py, same variable and default:
# 0, the app's own cache).
IMPORT_CACHE_MIB = int(os.environ.get("SIDOS_IMPORT_SQLITE_CACHE_MIB", "0")) or APP_CACHE_MIB


def pragmas(cache_mib: float = IMPORT_CACHE_MIB) -> tuple[str, ...]:
    cache = f"PRAGMA cache_size=-{round(cache_mib * 1024)}"  # negative: KiB
    return ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", cache)


PRAGMAS = pragmas()
BATCH_SIZE = 20_000  # the default of SIDOS_IMPORT_BATCH_SIZE (sidos/settings.py)


def load(
    csv_path: Path, db_path: Path, table: str, indexed: list[str], batch_size: int = BATCH_SIZE,
    cache_mib: float = IMPORT_CACHE_MIB,
) -> dict:
    """Time parsing and inserting; batch_size 0 puts every row into one executemany and one transaction."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    connection = sqlite3.connect(db_path, isolation_level=None)
    for pragma in pragmas(cache_mib):
        connection.execute(pragma)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"{name}" TEXT' for name in header)
        connection.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, {columns})')
        for name in indexed:
            unique = "UNIQUE " if name.endswith("_id") and name.startswith(table[:-1]) else ""
            connection.execute(f'CREATE {unique}INDEX "{table}_{name}" ON "{table}" ("{name}")')
        insert = f'INSERT INTO "{table}" ({", ".join(header)}) VALUES ({", ".join("?" * len(header))})'
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = 0
        batch: list[tuple] = []
        if not batch_size:
            connection.execute("BEGIN")
            rows = connection.executemany(insert, (tuple(row) for row in reader)).rowcount
            connection.execute("COMMIT")
        for row in reader:
            batch.append(tuple(row))
            if len(batch) >= batch_size:
                rows += _write(connection, insert, batch)
                batch = []
        if batch:
            rows += _write(connection, insert, batch)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    connection.close()
    return {"rows": rows, "batch_size": batch_size, "pragmas": list(pragmas(cache_mib)),
            "seconds": round(seconds, 3),
            "per_row_us": round(seconds / max(rows, 1) * 1e6, 2), "cpu_seconds": round(cpu, 3),
            "cpu_per_row_us": round(cpu / max(rows, 1) * 1e6, 2)}


def _write(connection: sqlite3.Connection, insert: str, batch: list[tuple]) -> int:
    connection.execute("BEGIN")
    connection.executemany(insert, batch)
    connection.execute("COMMIT")
    return len(batch)


def app_schema_floor(source_db: Path, target_db: Path, batch_size: int = BATCH_SIZE) -> dict:
    """The rows a Sidos customer import wrote (customer, contact points, consent, timeline), executemany'd
    straight into a fresh copy of the app's own tables and indexes, batch by batch as the import commits.

    This is the SQL-only floor of the product's import: no parsing, no validation, no ORM.
    """
    tables = ["customers_customer", "customers_contactpoint", "customers_consent", "customers_timelineevent"]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target_db}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(source_db)
    target = sqlite3.connect(target_db, isolation_level=None)
    for pragma in PRAGMAS:
        target.execute(pragma)
    schema = source.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name IN (?, ?, ?, ?) AND sql IS NOT NULL "
        "ORDER BY type = 'index'", tables).fetchall()
    for _type, sql in schema:
        # Foreign keys point at tables (users, customers) the copy lacks or fills in the same batch.
        target.execute(sql)
    rows = {}
    for table in tables:
        key = "id" if table == "customers_customer" else "customer_id"
        rows[table] = source.execute(f"SELECT {key}, * FROM {table} ORDER BY {key}").fetchall()
    source.close()
    customer_ids = [row[0] for row in rows["customers_customer"]]
    positions = {table: 0 for table in tables}
    started, cpu_started = time.perf_counter(), time.process_time()
    for start in range(0, len(customer_ids), batch_size):
        last_id = customer_ids[min(start + batch_size, len(customer_ids)) - 1]
        target.execute("BEGIN")
        for table in tables:
            table_rows, begin = rows[table], positions[table]
            end = begin
            while end < len(table_rows) and table_rows[end][0] <= last_id:
                end += 1
            if end > begin:
                width = len(table_rows[begin]) - 1
                target.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})",
                                   [row[1:] for row in table_rows[begin:end]])
            positions[table] = end
        target.execute("COMMIT")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    target.close()
    written = {table: len(rows[table]) for table in tables}
    return {"rows": len(customer_ids), "rows_written": written, "batch_size": batch_size,
            "pragmas": list(PRAGMAS),
            "seconds": round(seconds, 3), "per_row_us": round(seconds / max(len(customer_ids), 1) * 1e6, 2),
            "cpu_seconds": round(cpu, 3), "cpu_per_row_us": round(cpu / max(len(customer_ids), 1) * 1e6, 2)}
