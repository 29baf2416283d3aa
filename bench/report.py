"""The readable .md beside each bench/results/*.json."""


def _row(label: str, run: dict) -> str:
    rss = f"{run['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in run else "–"
    startup = f"{run['startup_seconds']:.1f} s" if "startup_seconds" in run else "–"
    cpu = f"{run['cpu_per_row_us']:.1f} µs" if "cpu_per_row_us" in run else "–"
    return (f"| {label} | {run['rows']:,} | {run['seconds']:.1f} s | {startup} | {run['per_row_us']:.1f} µs "
            f"| {cpu} | {rss} |")


def _search(title: str, search: dict) -> list[str]:
    lines = [f"### {title} ({search['customers']:,} customers, {search['queries']} searches)", "",
             "| pass | p50 | p95 | max |", "|---|---|---|---|"]
    for name in ("first_pass", "second_pass"):
        figures = search[name]
        lines.append(f"| {name.replace('_', ' ')} | {figures['p50_ms']:.1f} ms | {figures['p95_ms']:.1f} ms "
                     f"| {figures['max_ms']:.1f} ms |")
    lines += ["", "| kind of search (second pass) | n | p50 | p95 | max |", "|---|---|---|---|---|"]
    for category, figures in search["second_pass"]["by_category"].items():
        lines.append(f"| {category} | {figures['n']} | {figures['p50_ms']:.1f} ms "
                     f"| {figures['p95_ms']:.1f} ms | {figures['max_ms']:.1f} ms |")
    slowest = [f"`{_typed(t)}` {t['ms']:.0f} ms ({t['count']:,} matches)"
               for t in search["second_pass"]["slowest"]]
    lines += ["", "Slowest (second pass): " + "; ".join(slowest), ""]
    return lines


def _load(results: dict, when: str) -> str:
    figures = results.get("load_average", {}).get(when)
    return ", ".join(f"{figure:.2f}" for figure in figures) if figures else "not recorded"


def _typed(timing: dict) -> str:
    if "data" not in timing:  # results from before the list form's path was timed
        return timing["q"] or str(timing["filters"])
    page = f" page {timing['page']}" if timing.get("page", 1) > 1 else ""
    return f"{timing['data']}{page}"


def search_markdown(results: dict) -> str:
    """The .md of a `bench/run.py --search-only` run."""
    m = results["machine"]
    lines = [
        f"# Sidos customer-list search, {results['started_at'][:10]} on {m['hostname']}",
        "",
        f"`{results['command']}` — started {results['started_at']}, finished {results['finished_at']} (UTC).",
        "",
        f"Machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB RAM; {m['os']}; Python "
        f"{m['python']}, Django {m['django']}, SQLite {m['sqlite']}, {m['postgresql']}.",
        "",
        f"Data: {results['data']}",
        "",
        SEARCH_METHOD,
        "",
    ]
    for key, title in (("search_sqlite", "SQLite"), ("search_postgresql", "PostgreSQL")):
        if key in results:
            run = results[key]
            lines += [f"Load average (1 min) before / after: {run['load_before']} / {run['load_after']}; "
                      f"reference (the same process, {run['reference']['n']} primary-key reads of one "
                      f"customer): p50 {run['reference']['p50_ms']} ms, p95 {run['reference']['p95_ms']} ms.",
                      ""]
            if "server_version" in run:
                lines += [f"PostgreSQL {run['server_version']}, shared_buffers {run['shared_buffers']}, "
                          f"{run['all_visible_pages']:,} of {run['pages']:,} table pages all-visible "
                          f"(autovacuum ran); {run['note']}.", ""]
            lines += _search(title, run)
    t = results["targets"]
    slow = [f"{name} {value} ms" for name, value in t["categories_over_target"].items()]
    verdict = "met" if t["search_ok"] else "NOT met"
    lines.append(f"Search target (every kind of search p95 < 100 ms, both passes, both databases): "
                 f"**{verdict}**" + (f" ({'; '.join(slow)})." if slow else "."))
    return "\n".join(lines) + "\n"


SEARCH_METHOD = (
    "Each search is the staff list's path (`CustomerFilterForm(data).customers()`: search, filters, sort; "
    "`CappedPaginator` count capped at 10,000 and one page of 50 rows), run twice over the same "
    "queries. Search terms come from stored rows, typed as people type them (see bench/search.py). "
    "Target: p95 under 100 ms."
)


def markdown(results: dict) -> str:
    m = results["machine"]
    t = results["targets"]
    ref = results["reference"]
    n = results["customers"]
    lines = [
        f"# Sidos benchmark, {results['started_at'][:10]} on {m['hostname']}",
        "",
        f"`{results['command']}` — started {results['started_at']}, finished {results['finished_at']} (UTC).",
        "",
        f"Machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB RAM; {m['os']}; "
        f"Python {m['python']}, Django {m['django']}, SQLite {m['sqlite']}, "
        f"{m['postgresql'] or 'no PostgreSQL'}.",
        "",
        "## Import on SQLite",
        "",
        "Sidos figures are whole `sidos import-… FILE --json` runs in a subprocess (start-up included; the "
        "start-up column is the same command on a header-only file, and µs/row excludes it). Peak RSS is the "
        "child's own (VmHWM). CPU per row is user + system time (start-up excluded), less skewed than the "
        "wall clock when other jobs share the machine.",
        "",
        f"Load average (1, 5, 15 min) at the start: {_load(results, 'start')}; at the end: "
        f"{_load(results, 'end')}; on {m['cpu_cores']} cores.",
        "",
        "Reference PRAGMAs: " + "; ".join(ref["customers_batched"].get("pragmas", ["(not recorded)"]))
        + " (Sidos' import connection runs with the same cache, SIDOS_IMPORT_SQLITE_CACHE_MIB, WAL and "
        "synchronous=NORMAL; the app's other connections with 64 MB).",
        "",
        "| run | rows | time | start-up | per row | CPU per row | peak RSS |",
        "|---|---|---|---|---|---|---|",
        _row("reference: csv + executemany, one indexed table, transactions of "
             f"{ref['customers_batched'].get('batch_size', 2000):,} rows", ref["customers_batched"]),
        _row("reference: the same in one executemany / one transaction", ref["customers_one_transaction"]),
        _row("floor: the rows Sidos wrote (customer, 2 contact points, consent, timeline), executemany'd "
             "into the app's own tables and indexes, in the same transactions",
             ref["customers_app_schema_floor"]),
        _row(f"Sidos import-customers, {n // 10:,} rows", results["import_customers_tenth"]),
        _row(f"Sidos import-customers, {n:,} rows", results["import_customers"]),
        _row("reference: orders, csv + executemany, transactions of "
             f"{ref['orders_batched'].get('batch_size', 2000):,} rows", ref["orders_batched"]),
        _row(f"Sidos import-orders, {results['orders']:,} rows", results["import_orders"]),
        "",
        f"- **Customer import ratio**: {t['import_ratio_vs_batched_reference']}× the batched reference, "
        f"{t['import_ratio_vs_one_transaction_reference']}× the one-transaction reference (target ≤ 6×): "
        f"**{'met' if t['import_ratio_ok'] else 'NOT met'}**."
        + (f" In CPU time: {t['import_cpu_ratio_vs_batched_reference']}× and "
           f"{t['import_cpu_ratio_vs_one_transaction_reference']}×."
           if "import_cpu_ratio_vs_batched_reference" in t else ""),
        f"- **SQL floor**: writing just the rows a customer import writes, with no Python work at all, "
        f"takes {t['app_schema_floor_ratio_vs_batched_reference']}× the batched reference.",
        f"- **Memory**: peak RSS at {n:,} rows is {t['memory_ratio_n_vs_tenth']}× the peak at "
        f"{n // 10:,} rows.",
        f"- **Orders per row**: {t['orders_per_row_us']} µs vs customers {t['customers_per_row_us']} µs: "
        f"**{'met' if t['orders_as_fast_per_row'] else 'NOT met'}** (target: at least as fast per row).",
        "",
        "## Customer list search",
        "",
        SEARCH_METHOD,
        "",
        *_search("SQLite", results["search_sqlite"]),
    ]
    if "postgresql" in results:
        pg = results["postgresql"]
        lines += [
            f"PostgreSQL {pg['server_version']} ({pg['note']}): import-customers of {n:,} rows took "
            f"{pg['import_customers']['seconds']:.1f} s ({pg['import_customers']['per_row_us']:.1f} µs/row, "
            f"peak RSS {pg['import_customers']['peak_rss_mib']:.0f} MiB).",
            "",
            *_search("PostgreSQL", pg["search"]),
        ]
    lines.append(f"Search target (p95 < 100 ms): **{'met' if t['search_ok'] else 'NOT met'}**.")
    if "analytics" in results:
        lines += ["", *_analytics(results["analytics"])]
    return "\n".join(lines) + "\n"


def _analytics(a: dict) -> list[str]:
    sidos, lifetimes = a["sidos"], a["lifetimes"]
    lines = [f"## Analytics recompute ({a['customers']:,} customers, {a['orders']:,} orders, SQLite)", "",
             "Sidos: `recompute()` end to end (read, BG/NBD + MBG/NBD + Gamma-Gamma, RFM, CLV, churn, every "
             "score written and published). lifetimes: read, summary, BetaGeoFitter, GammaGammaFitter, CLV; "
             "nothing written. Same database, one after the other, in this run. Load average before/after: "
             f"{a['load']['before']['loadavg_1_5_15']} / {a['load']['after']['loadavg_1_5_15']}.", ""]
    if "error" in sidos or "error" in lifetimes:
        return lines + [f"Sidos: {sidos}; lifetimes: {lifetimes}"]
    lines += [
        "| | wall | CPU | peak RSS |", "|---|---|---|---|",
        f"| Sidos | {sidos['seconds']} s | {sidos.get('cpu_seconds', '–')} s | {sidos['peak_rss_mb']:.0f} MB "
        f"(with its helpers: {sidos.get('peak_tree_rss_mb', 0):.0f} MB) |",
        f"| lifetimes | {lifetimes['seconds']} s | {lifetimes.get('cpu_seconds', '–')} s "
        f"| {lifetimes['peak_rss_mb']:.0f} MB |",
        "",
        f"Ratio (wall) {a.get('sidos_over_lifetimes')} (target ≤ 0.5): "
        f"**{'met' if a.get('ratio_ok') else 'NOT met'}**; CPU ratio {a.get('sidos_over_lifetimes_cpu')}; "
        f"memory under 4 GB: **{'met' if a.get('memory_ok') else 'NOT met'}**.",
    ]
    return lines
