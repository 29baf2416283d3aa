"""The audit log page and CSV, and the record of processing: who may read them, filters, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from sidos.accounts.models import Role
from sidos.conftest import _logged_in
from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.privacy.registry import data_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(make_staff):
    return _logged_in(make_staff(Role.PRIVACY_OFFICER, "officer"))


@pytest.fixture
def entries(admin_user, agent):
    with freeze_time("2026-11-02 10:00:00+00:00"):
        audit.record(agent, AuditAction.VIEW, "customer", 7, customer_id=7, summary="viewed customer")
    with freeze_time("2026-11-20 10:00:00+00:00"):
        audit.record(admin_user, AuditAction.UPDATE, "customer", 7, customer_id=7, summary="changed city")
        audit.record(admin_user, AuditAction.EXPORT, "customer", 8, customer_id=8, summary="exported")


def shown(response) -> list[str]:
    return [entry.summary for entry in response.context["page"].object_list]


@pytest.mark.parametrize("role", [Role.AGENT, Role.MARKETER, Role.ANALYST])
def test_staff_without_the_privacy_permission_cannot_read_the_log(make_staff, role, entries):
    client = _logged_in(make_staff(role, f"{role}-2"))
    for name in ("audit", "audit_csv", "processing", "processing_csv"):
        assert client.get(reverse(f"privacy:{name}")).status_code == 403, name


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("privacy:audit"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_officer_and_admins_read_and_filter_the_log(officer_client, admin_client, entries):
    assert admin_client.get(reverse("privacy:audit")).status_code == 200
    url = reverse("privacy:audit")
    assert shown(officer_client.get(url, {"actor": "agent"})) == ["viewed customer"]
    assert shown(officer_client.get(url, {"customer": 7})) == ["changed city", "viewed customer"]
    assert shown(officer_client.get(url, {"action": "export"})) == ["exported"]
    dates = {"since": "2026-11-15", "until": "2026-11-20", "customer": 7}
    assert shown(officer_client.get(url, dates)) == ["changed city"]
    assert shown(officer_client.get(url, {"until": "2026-11-02", "customer": 7})) == ["viewed customer"]


def test_the_log_pages_in_a_fixed_number_of_queries(officer_client, admin_user):
    def one_page():
        with CaptureQueriesContext(connection) as queries:
            assert officer_client.get(reverse("privacy:audit")).status_code == 200
        return len(queries)

    audit.record(admin_user, AuditAction.VIEW, "customer", 1, customer_id=1)
    one_page()
    few = one_page()
    for number in range(60):
        audit.record(admin_user, AuditAction.VIEW, "customer", number, customer_id=number)
    assert one_page() == few


def test_the_csv_export_holds_the_filtered_entries(officer_client, entries):
    response = officer_client.get(reverse("privacy:audit_csv"), {"customer": 7})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(row["actor"], row["action"], row["summary"]) for row in rows] == [
        ("admin", "update", "changed city"),
        ("agent", "view", "viewed customer"),
    ]
    assert dt.datetime.fromisoformat(rows[0]["created_at"]).tzinfo is not None


def test_reading_and_exporting_the_log_is_itself_audited(officer_client, entries):
    officer_client.get(reverse("privacy:audit"))
    officer_client.get(reverse("privacy:audit_csv"), {"customer": 7})
    response = officer_client.get(reverse("privacy:audit"), {"actor": "officer"})
    assert shown(response) == ["exported the audit log", "viewed the audit log"]
    assert (
        shown(officer_client.get(reverse("privacy:audit"), {"actor": "officer"}))[0] == "viewed the audit log"
    )


def test_the_record_of_processing_lists_every_declared_data_kind(officer_client, settings):
    settings.SIDOS_RETAIN_CLOSED_TICKETS_MONTHS = 36
    page = officer_client.get(reverse("privacy:processing"))
    keys = [row["key"] for row in page.context["rows"]]
    assert keys == [kind.key for kind in data_kinds()]
    for app in ("customers", "orders", "analytics", "mail", "servicedesk", "privacy"):
        assert any(key.startswith(app + ".") for key in keys), app
    tickets = next(row for row in page.context["rows"] if row["key"] == "servicedesk.tickets")
    assert "36 months" in tickets["retention"]
    exported = officer_client.get(reverse("privacy:processing_csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][0] == "data kind" and len(rows) == len(keys) + 1
    assert any(row[0] == "orders.orders" and "Legal obligation" in row[3] for row in rows)
