"""Columnar SQLite reads and writes for a recompute, through ADBC (Arrow Database Connectivity).

Python's sqlite3 builds a Python object for every value it reads or binds: ten million orders of
four columns are forty million objects on the way in, and a million scores of thirty-odd columns
as many again on the way out — most of a recompute's time. The ADBC SQLite driver (Apache Arrow's
C driver) moves whole Arrow columns between SQLite and polars instead, with no Python object per
value and no pyarrow.

**Why in a helper process (arrowhelper.py).** The driver carries its own copy of SQLite. Two copies
of SQLite in one process corrupt a database they both open: POSIX locks belong to the process, so
closing one copy's file releases the other's locks (https://www.sqlite.org/howtocorrupt.html,
§2.2.1) — we saw "database disk image is malformed" within one recompute. A separate process has
locks of its own, like any other SQLite client, so the helper runs as one; frames go to and fro as
Arrow IPC files in a private temporary folder.

The helper sees committed data only and writes in its own transactions, so this is used only when
Django's connection holds no open transaction. `usable()` says when that is so; in every other
case (an in-memory database, as the test suite uses, or a caller inside transaction.atomic()) the
callers keep to Django's connection, which gives the same results.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
from django.db import connection

from sidos.analytics import config as analytics_config

try:
    import adbc_driver_sqlite  # noqa: F401 only to know the helper can run
except ImportError:  # pragma: no cover - a declared dependency; without it the slower path runs
    HAVE_ADBC = False
else:
    HAVE_ADBC = True

SAFE_LITERAL = re.compile(r"[\w .:+-]*")
HELPER = "sidos.analytics.arrowhelper"


class HelperError(RuntimeError):
    pass


def usable() -> bool:
    if not HAVE_ADBC or not analytics_config.load().arrow:
        return False
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return False
    name = str(connection.settings_dict["NAME"])
    return bool(name) and not connection.is_in_memory_db() and not name.startswith("file:")


def literal(value) -> str:
    """A string parameter as an SQL literal; only our own constants (statuses, a currency code, a
    timestamp) are ever passed, and anything outside that alphabet is refused, not escaped."""
    text = str(value)
    if not SAFE_LITERAL.fullmatch(text):
        raise ValueError(f"unexpected characters in SQL parameter {text!r}")
    return f"'{text}'"


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", HELPER, args[0], str(connection.settings_dict["NAME"]), *args[1:]]


def _check(returncode: int, stderr: str) -> None:
    if returncode != 0:
        lines = stderr.strip().splitlines()
        raise HelperError(lines[-1] if lines else f"{HELPER} failed ({returncode})")


def _helper(*args: str, stdin: str = "") -> None:
    done = subprocess.run(_command(*args), input=stdin, capture_output=True, text=True, check=False)
    _check(done.returncode, done.stderr)


def read(*queries: str) -> pl.DataFrame:
    """Run SELECTs (parameters already inlined with literal()) and return their rows, in order.

    Each query runs in a helper of its own, all at once: SQLite readers do not block each other
    (WAL), so a scan split into row ranges uses every core. The driver infers each column's type
    from the first rows; every query here selects columns that are never NULL, so no column can
    change type half-way.
    """
    with tempfile.TemporaryDirectory(prefix="sidos-arrow-") as tmp:
        paths = [Path(tmp) / f"result-{i}.arrow" for i in range(len(queries))]
        helpers = []
        try:
            for sql, path in zip(queries, paths, strict=True):
                helper = subprocess.Popen(
                    _command("read", str(path)),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                helpers.append(helper)
                helper.stdin.write(sql)
                helper.stdin.close()
            for helper in helpers:
                _check(helper.wait(), helper.stderr.read())
        finally:
            for helper in helpers:  # after a failure: no reader is left behind
                if helper.poll() is None:
                    helper.kill()
                    helper.wait()
                helper.stderr.close()
        frames = [pl.read_ipc(path) for path in paths]
    rows = [frame for frame in frames if not frame.is_empty()]
    return pl.concat(rows) if rows else frames[0]


def append(table: str, frame: pl.DataFrame, batch_size: int) -> int:
    """Insert the frame's rows (columns named as the table's) in transactions of batch_size rows."""
    with tempfile.TemporaryDirectory(prefix="sidos-arrow-") as tmp:
        path = Path(tmp) / "rows.arrow"
        frame.write_ipc(path, compression="uncompressed")
        _helper("append", str(path), table, str(batch_size))
    return len(frame)
