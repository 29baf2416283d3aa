"""The ADBC side of arrowdb.py, run as its own process (see there for why): no Django here.

python -m sidos.analytics.arrowhelper read DATABASE OUT.arrow    < query.sql
python -m sidos.analytics.arrowhelper append DATABASE IN.arrow TABLE BATCH_SIZE
"""

import sys

import adbc_driver_sqlite.dbapi as adbc_sqlite
import polars as pl

# Django's connection may be writing (SQLite has one writer at a time): wait for it, don't fail.
BUSY_TIMEOUT_MS = 60_000
# A bigger page cache while writing: no spilling of dirty index pages half-way.
CACHE_KIB = 262_144


def connect(database: str):
    db = adbc_sqlite.connect(database)
    cursor = db.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cursor.close()
    return db


def read(database: str, out: str) -> None:
    sql = sys.stdin.read()
    db = connect(database)
    try:
        cursor = db.cursor()
        cursor.execute(sql)
        pl.DataFrame(cursor.fetch_arrow()).write_ipc(out, compression="uncompressed")
        cursor.close()
    finally:
        db.close()


def append(database: str, source: str, table: str, batch_size: int) -> None:
    frame = pl.read_ipc(source)
    db = connect(database)
    try:
        cursor = db.cursor()
        # Each batch its own transaction, as the Python path commits them.
        for start in range(0, len(frame), batch_size):
            cursor.adbc_ingest(table, frame.slice(start, batch_size), mode="append")
            db.commit()
        cursor.close()
    finally:
        db.close()


def main(argv: list[str]) -> None:
    command, database, *rest = argv
    if command == "read":
        read(database, *rest)
    elif command == "append":
        append(database, rest[0], rest[1], int(rest[2]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
