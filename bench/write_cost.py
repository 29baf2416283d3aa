"""What the search indexes cost an import: 100,000 customer rows executemany'd into two empty schemas.

    .venv/bin/python bench/write_cost.py OLD.sqlite3 NEW.sqlite3 SOURCE.sqlite3 [rounds]

OLD and NEW are freshly migrated, empty databases of two versions of the app; SOURCE holds customers
(bench/work/search-1000000.sqlite3). Rows go in as the importer writes them, 2,000 per transaction,
into a copy of each; NEW is also timed with its tag-index triggers dropped, to split index cost from
trigger cost. Rounds alternate so that the machine's changing load falls on every variant alike.
"""

import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

ROWS = 100_000
BATCH = 2_000


def timed_insert(template: str, rows: list, columns: list[str], drop_triggers: bool) -> float:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "copy.sqlite3")
        shutil.copy(template, path)
        db = sqlite3.connect(path, isolation_level=None)
        if drop_triggers:
            for trigger in ("insert", "update", "delete"):
                db.execute(f"DROP TRIGGER IF EXISTS customer_tags_{trigger}")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO customers_customer ({', '.join(columns)}) VALUES ({marks})"
        started = time.perf_counter()
        for start in range(0, len(rows), BATCH):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(sql, rows[start : start + BATCH])
            db.execute("COMMIT")
        seconds = time.perf_counter() - started
        db.close()
    return seconds


def main() -> None:
    old, new, source = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    db = sqlite3.connect(source)
    columns = [row[1] for row in db.execute("PRAGMA table_info(customers_customer)")]
    rows = db.execute(f"SELECT {', '.join(columns)} FROM customers_customer WHERE id <= ?", [ROWS]).fetchall()
    variants = {"old": (old, False), "new without triggers": (new, True), "new": (new, False)}
    seconds = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (template, drop) in variants.items():
            seconds[name].append(timed_insert(template, rows, columns, drop))
            print(f"{name}: {seconds[name][-1]:.2f} s (load {os.getloadavg()[0]:.2f})", flush=True)
    for name, values in seconds.items():
        print(f"median {name}: {statistics.median(values):.2f} s for {len(rows):,} rows")


if __name__ == "__main__":
    main()
