"""Quick side-by-side: `sidos import-customers` against the raw executemany reference on one file.

    .venv/bin/python bench/import_ratio.py 100000   # generates bench/work/customers-v2-100000.csv once

The full `make bench` does this at 1M with memory and search; this is the
five-minute check (customers, then orders for them into the same database).
It runs the product exactly as `make bench` does (bench/product.py: DEBUG off, a subprocess per command,
start-up measured on a header-only file and taken off).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import generate, product, reference  # noqa: E402
from bench.run import WORK, csv_file, header_only  # noqa: E402

INDEXED = ["customer_id", "email", "phone"]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    WORK.mkdir(parents=True, exist_ok=True)
    source = csv_file(f"customers-v2-{rows}.csv", generate.write_customers, rows)
    empty = header_only("customers-empty.csv", generate.CUSTOMER_COLUMNS)
    orders_csv = csv_file(f"orders-{rows}-for-{rows}.csv", generate.write_orders, rows, rows)
    empty_orders = header_only("orders-empty.csv", generate.ORDER_COLUMNS)
    load = os.getloadavg()[0]
    batched = reference.load(source, WORK / "ratio-reference.sqlite3", "customers", INDEXED)
    single = reference.load(source, WORK / "ratio-reference.sqlite3", "customers", INDEXED, batch_size=0)
    # Where the import runs with a bigger cache (SIDOS_IMPORT_SQLITE_CACHE_MIB), the reference at the
    # app's own cache too, for comparison with earlier results.
    small_cache = batched
    if reference.IMPORT_CACHE_MIB != reference.APP_CACHE_MIB:
        small_cache = reference.load(source, WORK / "ratio-reference.sqlite3", "customers", INDEXED,
                                     cache_mib=reference.APP_CACHE_MIB)
    url = product.fresh_sqlite(WORK / "ratio-app.sqlite3")
    imported = product.timed_import("customers", source, url, empty)
    orders = product.timed_import("orders", orders_csv, url, empty_orders)
    print(f"reference PRAGMAs: {'; '.join(batched['pragmas'])} (sidos' import connection: the same cache, "
          f"{reference.IMPORT_CACHE_MIB:g} MiB (SIDOS_IMPORT_SQLITE_CACHE_MIB; 0 = the app's), WAL, "
          "synchronous=NORMAL)")
    print(
        f"reference {batched['per_row_us']} µs/row in transactions of {reference.BATCH_SIZE:,} rows, "
        f"{single['per_row_us']} µs/row in one; sidos {imported['per_row_us']} µs/row "
        f"(start-up {imported['startup_seconds']:.2f} s excluded, peak RSS {imported['peak_rss_mib']} MiB); "
        f"ratio {imported['net_seconds'] / batched['seconds']:.2f}x batched, "
        f"{imported['net_seconds'] / single['seconds']:.2f}x one transaction; "
        f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print(
        f"CPU time: reference {batched['cpu_per_row_us']} / {single['cpu_per_row_us']} µs/row, "
        f"sidos {imported['cpu_per_row_us']} µs/row; ratio "
        f"{imported['net_cpu_seconds'] / batched['cpu_seconds']:.2f}x batched, "
        f"{imported['net_cpu_seconds'] / single['cpu_seconds']:.2f}x one transaction"
    )
    print(
        f"reference with the app's {reference.APP_CACHE_MIB:.1f} MiB cache: "
        f"{small_cache['per_row_us']} µs/row "
        f"({small_cache['cpu_per_row_us']} CPU), batched; sidos/that: "
        f"{imported['net_seconds'] / small_cache['seconds']:.2f}x, CPU "
        f"{imported['net_cpu_seconds'] / small_cache['cpu_seconds']:.2f}x"
    )
    print(
        f"orders: {orders['per_row_us']} µs/row ({orders['cpu_per_row_us']} µs/row CPU) into that database, "
        f"customers {imported['per_row_us']} ({imported['cpu_per_row_us']} CPU): "
        f"{'faster' if orders['per_row_us'] <= imported['per_row_us'] else 'SLOWER'} per row"
    )


if __name__ == "__main__":
    main()
