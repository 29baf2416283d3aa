"""Ticket list benchmark: the default queue view at 1,000,000 tickets on SQLite and PostgreSQL.

    .venv/bin/python bench/tickets_bench.py [--tickets N] [--skip-postgres]

Loads N tickets (a third open, spread over five queues, 100,000 customers) into a fresh database,
then requests the staff list page through Django's test client — middleware, session, the view,
the queries and the template, as a browser gets it — as an admin (every queue) and as an agent
(the four queues the agent role works), page 1 and deeper pages, plus a queue and an "assigned to
me" filter. The reference in the same run is the bare SQL of the same first page (one indexed
SELECT ... ORDER BY next_due, id LIMIT 50 through the database driver): what the page costs above
the database's own floor. Target (issue #4): p95 < 150 ms for the default view.

Results: bench/results/tickets-<UTC date>-<hostname>[-N].json and .md, with the load average.
"""

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine, pgserver, product  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "work"
DEFAULT_TICKETS = 1_000_000
TARGET_MS = 150
REQUESTS = 60


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def measure(database_url: str, tickets: int) -> dict:
    env = product.environment(database_url)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "bench.tickets_worker", str(tickets)], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"tickets worker failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["wall_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres(tickets: int) -> dict:
    # Our own server on a free port and directory (54333 belongs to another benchmark).
    port = os.environ.get("SIDOS_BENCH_TICKETS_PG_PORT") or str(free_port())
    with pgserver.migrated(port, f"/tmp/sidos-tickets-bench-pg-{port}") as (url, version):
        figures = measure(url, tickets)
        figures["server_version"] = version
        figures["note"] = f"{pgserver.NOTE}; the ticket table is VACUUM ANALYZEd after the load"
        return figures


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# Ticket list benchmark, {results['tickets']:,} tickets",
        "",
        f"Machine: {m.get('hostname')} · {m.get('cpu_model')} · {m.get('cpu_cores')} cores"
        f" · {m.get('memory_gib')} GiB"
        f" · SQLite {m.get('sqlite')} · {m.get('postgresql')} · "
        f"load average at start {results['load_at_start']}, at end {results.get('load_at_end')} "
        "(shared machine: other engineers' jobs ran at the same time)",
        f"Command: `{results['command']}`",
        "",
        "| database | view | n | p50 | p95 | max | bare SQL first page p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("sqlite", "postgresql"):
        if name not in results:
            continue
        run = results[name]
        for view, figures in run["views"].items():
            lines.append(f"| {name} | {view} | {figures['n']} | {figures['p50_ms']:.1f} ms | "
                         f"{figures['p95_ms']:.1f} ms | {figures['max_ms']:.1f} ms | "
                         f"{run['reference_sql']['p95_ms']:.2f} ms |")
    lines += ["", f"Target: default view p95 < {TARGET_MS} ms → "
              + ("met" if results["targets"]["ok"] else "NOT met") + f" ({results['targets']})", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS)
    parser.add_argument("--skip-postgres", action="store_true")
    options = parser.parse_args()
    results = run(options.tickets, skip_postgres=options.skip_postgres)
    print(markdown(results))


def run(tickets: int, *, skip_postgres: bool = False) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    results: dict = {
        "started_at": started.isoformat(timespec="seconds"),
        "tickets": tickets,
        "command": " ".join(["python", *sys.argv]),
        "machine": machine.describe(),
        "load_at_start": [round(value, 2) for value in os.getloadavg()],
    }
    log(f"SQLite: loading {tickets:,} tickets")
    results["sqlite"] = measure(product.fresh_sqlite(WORK / "tickets-bench.sqlite3"), tickets)
    log(f"  {results['sqlite']['views']['default (admin, all queues)']}")
    (WORK / "tickets-partial-results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if not skip_postgres:
        log(f"PostgreSQL: loading {tickets:,} tickets")
        results["postgresql"] = postgres(tickets)
        log(f"  {results['postgresql']['views']['default (admin, all queues)']}")
    results["load_at_end"] = [round(value, 2) for value in os.getloadavg()]
    defaults = {
        name: results[name]["views"][view]["p95_ms"]
        for name in ("sqlite", "postgresql") if name in results
        for view in ("default (admin, all queues)", "default (agent, role's queues)")
    }
    ok = all(value < TARGET_MS for value in defaults.values())
    results["targets"] = {"default_view_p95_ms": defaults, "ok": ok}
    results["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    suffix = "" if tickets == DEFAULT_TICKETS else f"-{tickets}"
    stem = RESULTS / f"tickets-{started:%Y-%m-%d}-{results['machine']['hostname']}{suffix}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    log(f"results: {stem}.json and .md")
    return results


if __name__ == "__main__":
    main()
