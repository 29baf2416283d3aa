"""Retention: the dry run counts exactly what the real run then changes, and nothing inside a period."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from sidos.accounts.scheduler import JOBS
from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.mail.ingest import ingest_bytes
from sidos.mail.models import InboundMessage
from sidos.privacy.models import AuditEntry, ErasureReceipt, PortalLinkRequest
from sidos.privacy.retention import run_retention
from sidos.servicedesk.actions import open_ticket, update_ticket
from sidos.servicedesk.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db
LONG_AGO = dt.datetime(2020, 1, 15, 12, tzinfo=dt.UTC)

MAIL = b"""From: Old Sender <old.sender@example.fi>
To: asiakaspalvelu@kauppa.example
Subject: An old question
Message-ID: <old-1@example.fi>

Hello from long ago.
"""


@pytest.fixture(autouse=True)
def _rules(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIDOS_RETAIN_CLOSED_TICKETS_MONTHS = 36
    settings.SIDOS_RETAIN_RAW_MAIL_DAYS = 90
    settings.SIDOS_RETAIN_PORTAL_LINKS_DAYS = 30
    settings.SIDOS_RETAIN_INACTIVE_YEARS = 3


@pytest.fixture
def old_and_new(db):
    with freeze_time(LONG_AGO):
        dormant = make_customer(first_name="Dormant", last_name="Person", email="dormant@example.fi")
        assert ingest_bytes(MAIL, source="test") == "created"
        old_ticket = Ticket.objects.get()
        update_ticket(None, old_ticket, {"status": "resolved"})
        PortalLinkRequest.objects.create(address_hash="x" * 64)
    active = make_customer(first_name="Active", last_name="Person", email="active@example.fi")
    make_order(active, "NEW-1", "10.00")
    fresh = open_ticket(None, subject="Today", body="Hi", channel="email", customer=active, acknowledge=False)
    update_ticket(None, fresh, {"status": "resolved"})
    PortalLinkRequest.objects.create(address_hash="y" * 64)
    return dormant, old_ticket, active, fresh


def counts(report):
    return {line["rule"]: line["count"] for line in report}


def test_the_dry_run_changes_nothing_and_the_real_run_does_what_it_said(old_and_new):
    dormant, old_ticket, active, fresh = old_and_new
    audit_before = AuditEntry.objects.count()
    planned = counts(run_retention(dry_run=True))
    # The old mail's sender became a customer then, and has been inactive since, like `dormant`.
    assert planned == {"closed_tickets": 1, "raw_mail": 1, "portal_links": 1, "inactive_customers": 2}
    assert AuditEntry.objects.count() == audit_before
    assert Ticket.objects.get(pk=old_ticket.pk).subject == "An old question"

    done = counts(run_retention(dry_run=False))
    assert done == planned
    old_ticket.refresh_from_db()
    assert old_ticket.subject == "(erased)"
    assert not TicketMessage.objects.filter(ticket=old_ticket).exclude(body="").exists()
    assert InboundMessage.objects.get().raw == b""
    assert list(PortalLinkRequest.objects.values_list("address_hash", flat=True)) == ["y" * 64]
    assert not Customer.objects.filter(pk=dormant.pk).exists()
    assert ErasureReceipt.objects.filter(customer_id=dormant.pk, reason__startswith="retention").exists()
    # Inside the periods nothing moved.
    fresh.refresh_from_db()
    assert fresh.subject == "Today" and Customer.objects.filter(pk=active.pk).exists()
    # A second run finds nothing more.
    assert set(counts(run_retention(dry_run=True)).values()) == {0}


def test_a_rule_set_to_zero_is_off(old_and_new, settings):
    settings.SIDOS_RETAIN_INACTIVE_YEARS = 0
    report = {line["rule"]: line for line in run_retention(dry_run=False)}
    assert report["inactive_customers"] == {**report["inactive_customers"], "count": 0, "off": True}
    assert Customer.objects.filter(pk=old_and_new[0].pk).exists()


def test_the_command_reports_json_last(old_and_new):
    out = io.StringIO()
    call_command("retention-run", "--dry-run", "--json", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["dry_run"] is True and summary["total"] == 5
    assert "would change 1" in out.getvalue()
    assert Ticket.objects.filter(subject="(erased)").count() == 0


def test_the_worker_schedules_the_retention_run():
    (job,) = [job for job in JOBS if job.name == "retention-run"]
    assert job.task_path == "sidos.privacy.tasks.apply_retention" and job.schedule() is not None
