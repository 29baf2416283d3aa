"""A throwaway PostgreSQL for one benchmark: scripts/pg-test-server on a port and directory of its own,
with an empty migrated `sidos` database, stopped again however the benchmark ends."""

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from bench import product

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "scripts" / "pg-test-server"
NOTE = "pg-test-server runs with fsync=off, synchronous_commit=off, full_page_writes=off"


def start(port: str, directory: str) -> str:
    """Start the server (if it is not running) and return its URL; it is left running."""
    env = {**os.environ, "SIDOS_PG_PORT": port, "SIDOS_PG_DIR": directory}
    return subprocess.run([str(SERVER), "start"], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def stop(port: str, directory: str) -> None:
    env = {**os.environ, "SIDOS_PG_PORT": port, "SIDOS_PG_DIR": directory}
    subprocess.run([str(SERVER), "stop"], env=env, check=False)


def create_database(url: str) -> str:
    """CREATE DATABASE sidos on the server of `url`, migrate it, and return the server's version."""
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute("CREATE DATABASE sidos")
        version = connection.execute("SHOW server_version").fetchone()[0]
    product.migrate(url)
    return version


@contextlib.contextmanager
def migrated(port: str, directory: str) -> Iterator[tuple[str, str]]:
    """(url, server version) of a fresh migrated database on a server that is stopped afterwards."""
    url = start(port, directory)
    try:
        yield url, create_database(url)
    finally:
        stop(port, directory)
