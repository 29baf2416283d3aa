"""Running Sidos' own commands as subprocesses, so every run starts with fresh settings.

Peak RSS is the child's VmHWM, read from /proc while it runs. Not ru_maxrss: Linux folds the
forking parent's RSS high-water mark into the child's at exec, so a child of a big parent reports
the parent's size (that is how an early run showed 3.7 GB for a 165 MB orders import).
"""

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIDOS = ROOT / ".venv" / "bin" / "sidos"


def environment(database_url: str) -> dict[str, str]:
    """Production-like settings: DEBUG off (with DEBUG on, Django wraps every query to log it)."""
    env = dict(os.environ)
    env.update(SIDOS_DATABASE_URL=database_url, SIDOS_DEBUG="0", SIDOS_SECRET_KEY="bench-" + "x" * 44,
               SIDOS_VAR_DIR=str(ROOT / "bench" / "work" / "var"))
    return env


def run(args: list[str], database_url: str, check: bool = True) -> dict:
    """Run a command; return seconds, peak RSS (MiB), exit code and the --json summary if it printed one."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, env=environment(database_url), cwd=ROOT)
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib, _high_water_kib(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if check and process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({process.returncode}):\n{stderr[-3000:]}")
    summary = None
    lines = stdout.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        summary = json.loads(lines[-1])
    return {"seconds": round(seconds, 3), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mib": round((peak_kib or usage.ru_maxrss) / 1024, 1),
            "ru_maxrss_mib": round(usage.ru_maxrss / 1024, 1), "exit_code": process.returncode,
            "summary": summary}


def _high_water_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def sidos(*args: str, database_url: str) -> dict:
    return run([str(SIDOS), *args], database_url)


def migrate(database_url: str) -> None:
    sidos("migrate", "--no-input", "-v0", database_url=database_url)


def fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate(url)
    return url


def timed_import(kind: str, csv_path: Path, database_url: str, empty_csv: Path) -> dict:
    """Import a file; the same command on a header-only file measures start-up (Django, settings, imports)."""
    command = "import-customers" if kind == "customers" else "import-orders"
    startup = sidos(command, str(empty_csv), "--json", database_url=database_url)
    result = sidos(command, str(csv_path), "--json", database_url=database_url)
    rows = (result["summary"] or {}).get("rows", 0)
    net = max(result["seconds"] - startup["seconds"], 0.0)
    # CPU time as well as wall time: on a shared machine the wall clock also counts other jobs' turns.
    net_cpu = max(result["cpu_seconds"] - startup["cpu_seconds"], 0.0)
    return {**result, "rows": rows, "startup_seconds": startup["seconds"], "net_seconds": round(net, 3),
            "per_row_us": round(net / max(rows, 1) * 1e6, 2), "startup_cpu_seconds": startup["cpu_seconds"],
            "net_cpu_seconds": round(net_cpu, 3), "cpu_per_row_us": round(net_cpu / max(rows, 1) * 1e6, 2)}
