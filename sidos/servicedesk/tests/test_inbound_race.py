"""One Message-ID, one ticket message: even when two ingests of the same mail run at the same instant."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from sidos.customers.models import Customer
from sidos.mail import ingest
from sidos.mail.models import InboundMessage, InboundReason, InboundStatus, OutboundMessage
from sidos.servicedesk.inbound import handle_message
from sidos.servicedesk.models import Ticket, TicketMessage
from sidos.servicedesk.tests.test_inbound import first_customer_mail

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_a_message_already_on_a_ticket_is_a_duplicate_even_without_its_inbound_row():
    """The classification finds no earlier inbound row (deleted, or still uncommitted in a racing
    ingest); the unique constraint is what refuses the second ticket message."""
    assert ingest.ingest_bytes(first_customer_mail(), source="first") == "created"
    InboundMessage.objects.all().delete()
    assert ingest.ingest_bytes(first_customer_mail(), source="again") == "ignored"
    row = InboundMessage.objects.get()
    assert (row.status, row.reason) == (InboundStatus.IGNORED, InboundReason.DUPLICATE)
    assert "already on a ticket" in row.detail
    assert bytes(row.raw) == first_customer_mail()  # kept all the same
    assert Ticket.objects.count() == 1 and TicketMessage.objects.count() == 1
    assert Customer.objects.count() == 1  # the second attempt's customer rolled back with it
    assert OutboundMessage.objects.count() == 1  # and so did its acknowledgement


@pytest.mark.django_db(transaction=True)
def test_two_ingests_racing_on_one_message_id_make_one_ticket():
    """Both threads (each its own connection) store the message and pass the duplicate check before
    either commits: the barrier holds each one inside its transaction until the other has got there too."""
    if connection.vendor != "postgresql":
        # SQLite begins every transaction IMMEDIATE: the second ingest waits for the first to commit
        # before it reads anything, so the two cannot interleave (the process test below shows that).
        pytest.skip("only PostgreSQL runs two write transactions at once")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def racing_handler(message):
        barrier.wait(timeout=120)
        return handle_message(message)

    def ingest_once(source: str):
        try:
            outcomes.append(ingest.ingest_bytes(first_customer_mail(), source=source, handler=racing_handler))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest_once, args=(f"mta-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors
    assert sorted(outcomes) == ["created", "ignored"]
    assert Ticket.objects.count() == 1 and TicketMessage.objects.count() == 1
    assert Customer.objects.count() == 1
    assert OutboundMessage.objects.count() == 1  # one acknowledgement
    rows = InboundMessage.objects.order_by("status")
    assert [(row.status, row.reason) for row in rows] == [
        (InboundStatus.CREATED, ""),
        (InboundStatus.IGNORED, InboundReason.DUPLICATE),
    ]


def _messages(folder: Path, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"{number}.eml").write_bytes(
            first_customer_mail()
            .replace(b"CAFx8pQ7a1b2c3d4e5f6@", f"race-{number}@".encode())
            .replace(b"Paivi.Makinen@", f"asiakas{number}@".encode())
        )
    return folder


def test_two_mail_ingest_processes_on_one_sqlite_file_make_one_ticket_per_message(tmp_path):
    """Two `sidos mail-ingest` runs (an MTA pipe and a catch-up run, say) over the same messages at once."""
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    env = {**os.environ, "SIDOS_DEBUG": "1", "SIDOS_DATABASE_URL": url, "SIDOS_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "-m", "sidos.manage"]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=600)
    folder = _messages(tmp_path / "mail", 60)
    runs = [
        subprocess.Popen(
            [*manage, "mail-ingest", str(folder), "--json"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    summaries = []
    for run in runs:
        out, _ = run.communicate(timeout=600)
        assert run.returncode == 0, out
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(s["created"] for s in summaries) == 60
    assert sum(s["ignored"] for s in summaries) == 60
    assert sum(s["failed"] for s in summaries) == 0
    with sqlite3.connect(tmp_path / "race.sqlite3") as db:
        assert db.execute("select count(*) from servicedesk_ticket").fetchone() == (60,)
        per_id = db.execute(
            "select max(n) from (select count(*) n from servicedesk_ticketmessage group by message_id)"
        ).fetchone()
        assert per_id == (1,)
