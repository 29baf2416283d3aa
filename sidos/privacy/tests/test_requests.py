"""Data-subject requests: due dates and SLA states, the portal's erasure request, the staff queue and
the privacy officer's approval."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from sidos.accounts.models import Role
from sidos.conftest import _logged_in
from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer
from sidos.privacy import actions
from sidos.privacy.models import DataSubjectRequest, RequestKind, RequestStatus, SlaState
from sidos.privacy.requests import due_for
from sidos.privacy.tests.portalhelpers import make_person, portal_client

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def quick_answers(settings, tmp_path):
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.0
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer(make_staff):
    return make_staff(Role.PRIVACY_OFFICER, "officer")


@pytest.fixture
def officer_client(officer):
    return _logged_in(officer)


@pytest.fixture
def aino(db):
    return make_person("Aino", "Aalto", "aino@example.fi", "A")


def test_a_request_is_due_thirty_days_after_it_is_received(aino, agent):
    with freeze_time(T0):
        dsr = actions.create_request(agent, aino, RequestKind.ACCESS)
    assert dsr.received_at == T0
    assert dsr.due_at == T0 + dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("days_later", "state"),
    [
        (0, SlaState.OK),
        (22, SlaState.OK),
        (23, SlaState.AT_RISK),
        (29, SlaState.AT_RISK),
        (30, SlaState.BREACHED),
    ],
)
def test_the_sla_state_follows_the_clock(aino, agent, days_later, state):
    with freeze_time(T0):
        dsr = actions.create_request(agent, aino, RequestKind.CORRECTION)
    with freeze_time(T0 + dt.timedelta(days=days_later, seconds=1)):
        assert dsr.sla_state() == state


def test_a_decided_request_is_closed_whatever_the_clock(aino, agent, officer):
    with freeze_time(T0):
        dsr = actions.create_request(agent, aino, RequestKind.ACCESS)
    with freeze_time(T0 + dt.timedelta(days=40)):
        dsr = actions.approve_request(officer, dsr)
        assert dsr.status == RequestStatus.DONE and dsr.sla_state() == SlaState.CLOSED


def test_the_customer_asks_for_erasure_in_the_portal(aino):
    make_person("Bertta", "Berg", "bertta@example.fi", "B")
    client = portal_client("aino@example.fi")
    page = client.get(reverse("portal:erase"))
    assert page.status_code == 200 and b"bookkeeping" in page.content
    assert client.post(reverse("portal:erase")).status_code == 200
    assert client.post(reverse("portal:erase")).status_code == 200  # twice: still one request
    (dsr,) = DataSubjectRequest.objects.all()
    assert (dsr.customer, dsr.kind, dsr.source, dsr.status) == (aino, "erasure", "portal", "received")
    assert b"We have your request" in client.get(reverse("portal:erase")).content


def test_the_portal_erasure_request_needs_a_portal_login(aino, client):
    response = client.post(reverse("portal:erase"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    assert not DataSubjectRequest.objects.exists()


def test_an_agent_sees_the_queue_but_cannot_approve(aino, agent_client, agent):
    dsr = actions.request_erasure_from_portal(aino)
    assert agent_client.get(reverse("privacy:requests")).status_code == 200
    page = agent_client.get(reverse("privacy:request", args=[dsr.pk]))
    assert page.status_code == 200 and b"A privacy officer decides" in page.content
    response = agent_client.post(reverse("privacy:decide", args=[dsr.pk]), {"decision": "approve"})
    assert response.status_code == 403
    with pytest.raises(actions.RequestError, match="privacy officer"):
        actions.approve_request(agent, dsr)
    assert Customer.objects.filter(pk=aino.pk).exists()
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.RECEIVED


@pytest.mark.parametrize("role", [Role.MARKETER, Role.ANALYST])
def test_roles_without_the_privacy_permission_see_no_requests(aino, make_staff, role):
    client = _logged_in(make_staff(role))
    dsr = actions.request_erasure_from_portal(aino)
    assert client.get(reverse("privacy:requests")).status_code == 403
    assert client.get(reverse("privacy:request", args=[dsr.pk])).status_code == 403


def test_the_privacy_officer_approves_and_the_customer_is_erased(aino, officer_client, officer):
    dsr = actions.request_erasure_from_portal(aino)
    response = officer_client.post(reverse("privacy:decide", args=[dsr.pk]), {"decision": "approve"})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == RequestStatus.DONE and dsr.decided_by == officer and dsr.customer is None
    assert dsr.receipt.customer_id == aino.pk and dsr.receipt.reason == f"data-subject request #{dsr.pk}"
    assert not Customer.objects.filter(pk=aino.pk).exists()
    page = officer_client.get(reverse("privacy:request", args=[dsr.pk]))
    assert b"Erasure receipt" in page.content and b"Aalto" not in page.content
    # Deciding again is refused.
    again = officer_client.post(
        reverse("privacy:decide", args=[dsr.pk]), {"decision": "approve"}, follow=True
    )
    assert b"already done" in again.content


def test_a_rejection_needs_a_reason(aino, officer):
    dsr = actions.request_erasure_from_portal(aino)
    with pytest.raises(actions.RequestError, match="why"):
        actions.reject_request(officer, dsr, note="")
    dsr = actions.reject_request(officer, dsr, note="An open complaint is being handled")
    assert dsr.status == RequestStatus.REJECTED and Customer.objects.filter(pk=aino.pk).exists()


def test_staff_record_a_request_for_a_customer_by_key(aino, agent_client):
    response = agent_client.post(
        reverse("privacy:request_new"),
        {"customer": "aino@example.fi", "kind": "objection", "note": "by phone"},
    )
    dsr = DataSubjectRequest.objects.get()
    assert response["Location"] == reverse("privacy:request", args=[dsr.pk])
    assert (dsr.customer, dsr.kind, dsr.source) == (aino, "objection", "staff")
    bad = agent_client.post(
        reverse("privacy:request_new"), {"customer": "nobody@example.fi", "kind": "access"}
    )
    assert bad.status_code == 400 and b"No customer matches" in bad.content


def _requests(count: int, now: dt.datetime) -> None:
    for number in range(count):
        customer = make_customer(first_name=f"P{number}", last_name="Person", email=f"p{number}@example.fi")
        dsr = actions.create_request(
            None, customer, RequestKind.ACCESS if number % 2 else RequestKind.ERASURE
        )
        received = now - dt.timedelta(days=number)  # as if received then (freezegun per row is slow)
        DataSubjectRequest.objects.filter(pk=dsr.pk).update(received_at=received, due_at=due_for(received))


def test_the_queue_is_sorted_by_due_date_filtered_and_paged(officer_client):
    now = dt.datetime.now(dt.UTC)
    _requests(33, now)  # received 0 to 32 days ago
    page = officer_client.get(reverse("privacy:requests"))
    rows = page.context["rows"]
    assert len(rows) == 25 and page.context["page"].paginator.count == 33
    dues = [dsr.due_at for dsr, _state in rows]
    assert dues == sorted(dues)
    assert (
        officer_client.get(reverse("privacy:requests"), {"page": 2}).context["page"].object_list.__len__()
        == 8
    )
    erasures = (
        officer_client.get(reverse("privacy:requests"), {"kind": "erasure"}).context["page"].paginator.count
    )
    assert erasures == 17
    breached = officer_client.get(reverse("privacy:requests"), {"sla": "breached"}).context["rows"]
    assert len(breached) == 3 and all(state == SlaState.BREACHED for _dsr, state in breached)
    at_risk = officer_client.get(reverse("privacy:requests"), {"sla": "at_risk"}).context["rows"]
    assert len(at_risk) == 7 and all(state == SlaState.AT_RISK for _dsr, state in at_risk)


def test_the_queue_reads_a_fixed_number_of_queries(officer_client):
    now = dt.datetime.now(dt.UTC)
    _requests(3, now)
    officer_client.get(reverse("privacy:requests"))  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        officer_client.get(reverse("privacy:requests"))
    _requests(20, now - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        officer_client.get(reverse("privacy:requests"))
    assert len(many) == len(few)


def test_a_customer_cannot_file_a_request_for_someone_else(aino):
    bertta = make_person("Bertta", "Berg", "bertta@example.fi", "B")
    client = portal_client("aino@example.fi")
    # Whatever the form carries, the request is for the customer of the portal session.
    client.post(reverse("portal:erase"), {"customer": bertta.pk, "customer_id": bertta.pk})
    client.post(reverse("portal:erase") + f"?customer={bertta.pk}")
    assert list(DataSubjectRequest.objects.values_list("customer_id", flat=True)) == [aino.pk]
    assert client.get(reverse("privacy:requests")).status_code == 302  # a portal login is no staff login
