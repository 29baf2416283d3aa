"""Quick side-by-side: `sidos import-customers` against the raw executemany reference on one file.

    .venv/bin/python bench/import_ratio.py 100000   # reads bench/work/customers-100000.csv from make bench

The full `make bench` does this at 1M with memory and search; this is the five-minute check.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.reference import load  # noqa: E402

WORK = Path("/tmp/sidos-import-ratio")


def main() -> None:
    rows = sys.argv[1] if len(sys.argv) > 1 else "100000"
    source = Path(f"bench/work/customers-{rows}.csv")
    WORK.mkdir(exist_ok=True)
    reference = load(source, WORK / "ref.sqlite3", "customers", ["customer_id", "email", "phone"])
    env = {
        **os.environ,
        "SIDOS_DEBUG": "1",
        "SIDOS_DATABASE_URL": f"sqlite:///{WORK}/app.sqlite3",
        "SIDOS_VAR_DIR": str(WORK),
    }
    for suffix in ("", "-wal", "-shm"):
        Path(f"{WORK}/app.sqlite3{suffix}").unlink(missing_ok=True)
    subprocess.run([".venv/bin/sidos", "migrate", "-v0"], env=env, check=True)

    def timed(path: Path) -> float:
        started = time.perf_counter()
        subprocess.run(
            [".venv/bin/sidos", "import-customers", str(path), "--json"],
            env=env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started

    startup = timed(Path("bench/work/customers-empty.csv"))
    seconds = timed(source) - startup
    print(
        f"reference {reference['per_row_us']} µs/row; sidos {seconds / int(rows) * 1e6:.1f} µs/row "
        f"(start-up {startup:.2f} s excluded); ratio {seconds / reference['seconds']:.1f}x; "
        f"load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
