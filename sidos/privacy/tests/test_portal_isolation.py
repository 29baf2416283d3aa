"""A logged-in customer sees only their own data, whatever they change in links, cookies or requests."""

import io
import json
import zipfile

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sidos.customers.models import Customer
from sidos.privacy.models import AuditEntry, PortalLinkRequest
from sidos.privacy.portal_auth import SESSION_COOKIE, SESSION_SALT
from sidos.privacy.tests.portalhelpers import make_person, portal_client

pytestmark = pytest.mark.django_db

AINO_NOTE = "Staff only: Aino was rude on the phone"


@pytest.fixture(autouse=True)
def quick_answers(settings):
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.0


@pytest.fixture
def people(db):
    aino = make_person("Aino", "Aalto", "aino@example.fi", "A", note=AINO_NOTE, secret="A-SECRET")
    bertta = make_person("Bertta", "Berg", "bertta@example.fi", "B", note="about Bertta", secret="B-SECRET")
    return aino, bertta


def zip_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())


def test_the_page_and_download_hold_only_the_customers_own_data(people):
    aino, bertta = people
    client = portal_client("aino@example.fi")
    page = client.get("/portal/me/").content.decode()
    download = zip_text(client.get("/portal/me/download/").content)
    for text in (page, download):
        assert "A-SECRET" in text and "aino@example.fi" in text and "A-2" in text
        assert "B-SECRET" not in text and "bertta@example.fi" not in text and "B-2" not in text
        assert "Berg" not in text


def test_internal_notes_never_reach_the_customer(people):
    client = portal_client("aino@example.fi")
    page = client.get("/portal/me/").content.decode()
    assert "It is on its way, Aino." in page
    assert AINO_NOTE not in page
    assert AINO_NOTE not in zip_text(client.get("/portal/me/download/").content)


@pytest.mark.parametrize(
    "path",
    [
        "/portal/me/?customer={other}",
        "/portal/me/?id={other}",
        "/portal/me/download/?customer={other}",
        "/portal/me/download/?id={other}&customer_id={other}",
        "/portal/me/{other}/",
        "/portal/me/download/{other}/",
        "/portal/customers/{other}/",
    ],
)
def test_ids_in_the_url_do_not_change_whose_data_is_shown(people, path):
    _aino, bertta = people
    client = portal_client("aino@example.fi")
    response = client.get(path.format(other=bertta.pk))
    body = response.content
    text = zip_text(body) if response.get("Content-Type") == "application/zip" else body.decode()
    assert "B-SECRET" not in text and "bertta@example.fi" not in text


def test_a_consent_post_naming_another_customer_changes_only_ones_own(people):
    aino, bertta = people
    client = portal_client("aino@example.fi")
    response = client.post(
        "/portal/me/consent/",
        {"channel": "email", "purpose": "marketing", "granted": "0", "customer": bertta.pk, "id": bertta.pk},
    )
    assert response.status_code == 302
    aino.refresh_from_db()
    bertta.refresh_from_db()
    assert (aino.marketing_email_consent, bertta.marketing_email_consent) == (False, True)


def test_a_cookie_edited_to_name_another_customer_is_refused(people):
    aino, bertta = people
    client = portal_client("aino@example.fi")
    link_id, _, _customer = client.cookies[SESSION_COOKIE].value.partition(":")
    # Edited without the key: the signature no longer matches.
    edited = client.cookies[SESSION_COOKIE].value.replace(f":{aino.pk}:", f":{bertta.pk}:", 1)
    # Signed properly, but Aino's link row does not belong to Bertta.
    resigned = signing.get_cookie_signer(salt=SESSION_COOKIE + SESSION_SALT).sign(f"{link_id}:{bertta.pk}")
    # Control: the same signing, for the pair the row really has, is accepted, so the refusals below
    # come from the check on the row and not from signing the cookie wrongly here.
    genuine = signing.get_cookie_signer(salt=SESSION_COOKIE + SESSION_SALT).sign(f"{link_id}:{aino.pk}")
    control = Client()
    control.cookies[SESSION_COOKIE] = genuine
    assert control.get("/portal/me/").status_code == 200
    for value in (edited, resigned, f"{link_id}:{bertta.pk}"):
        other = Client()
        other.cookies[SESSION_COOKIE] = value
        assert other.get("/portal/me/").status_code == 302
        assert other.get("/portal/me/download/").status_code == 302


def test_a_staff_login_is_not_a_portal_login(people, admin_client):
    assert admin_client.get("/portal/me/").status_code == 302
    assert admin_client.get("/portal/me/download/").status_code == 302
    assert (
        admin_client.post(
            "/portal/me/consent/", {"channel": "email", "purpose": "marketing", "granted": "0"}
        ).status_code
        == 302
    )


def test_a_portal_session_opens_no_staff_page(people):
    aino, _bertta = people
    client = portal_client("aino@example.fi")
    for path in ("/", f"/customers/{aino.pk}/", "/servicedesk/", "/analytics/", "/django-admin/"):
        response = client.get(path)
        assert response.status_code in (302, 403, 404), path
        if response.status_code == 302:
            assert "/login/" in response["Location"], path
    assert client.get(f"/api/v1/customers/{aino.pk}/export").status_code == 401


def test_every_portal_read_and_write_is_audited_as_the_customer(people):
    aino, _bertta = people
    client = portal_client("aino@example.fi")
    client.get("/portal/me/")
    client.get("/portal/me/download/")
    client.post("/portal/me/consent/", {"channel": "sms", "purpose": "surveys", "granted": "1"})
    entries = AuditEntry.objects.filter(channel="portal", customer_id=aino.pk)
    assert set(entries.values_list("action", flat=True)) >= {"create", "login", "view", "export", "consent"}
    assert set(entries.values_list("actor_label", flat=True)) == {f"customer #{aino.pk} (portal)"}
    assert not entries.filter(actor__isnull=False).exists()


def test_the_page_reads_a_fixed_number_of_queries(people):
    aino, _bertta = people
    client = portal_client("aino@example.fi")
    with CaptureQueriesContext(connection) as few:
        client.get("/portal/me/")
    from sidos.customers.tests.webhelpers import make_order
    from sidos.servicedesk.actions import open_ticket

    for number in range(10):
        make_order(aino, f"A-more-{number}", "5.00", days_ago=number, channel="app")
        open_ticket(
            None,
            subject=f"More {number}",
            body="hi",
            channel="email",
            customer=aino,
            email="aino@example.fi",
            acknowledge=False,
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/portal/me/")
    assert len(many) == len(few)


def test_the_consent_change_is_in_the_ledger_with_source_portal(people):
    aino, _bertta = people
    client = portal_client("aino@example.fi")
    client.post("/portal/me/consent/", {"channel": "email", "purpose": "marketing", "granted": "0"})
    latest = aino.consents.filter(channel="email", purpose="marketing").latest("recorded_at", "id")
    assert (latest.granted, latest.source) == (False, "portal")
    assert aino.consents.count() == 2  # appended, the grant is kept as history
    assert Customer.objects.get(pk=aino.pk).marketing_email_consent is False


def test_an_unknown_consent_is_refused_and_nothing_is_written(people):
    aino, _bertta = people
    client = portal_client("aino@example.fi")
    response = client.post(
        "/portal/me/consent/", {"channel": "pigeon", "purpose": "marketing", "granted": "0"}
    )
    assert response.status_code == 400
    assert aino.consents.count() == 1


def test_the_download_names_no_other_link(people):
    # The session's link row is the customer's own; a logged-in customer never sees link rows of others.
    aino, _bertta = people
    client = portal_client("aino@example.fi")
    document = json.loads(
        zipfile.ZipFile(io.BytesIO(client.get("/portal/me/download/").content)).read("customer.json")
    )
    assert document["profile"]["id"] == aino.pk
    assert PortalLinkRequest.objects.filter(customer=aino).count() == 1
