"""The portal's ZIP is the export-customer document, plus one CSV per table of it."""

import csv
import io
import json
import zipfile

import pytest
from django.core.management import call_command

from sidos.privacy.tests.portalhelpers import make_person, portal_client

pytestmark = pytest.mark.django_db

TABLES = {
    "profile.csv",
    "contact_points.csv",
    "consents_current.csv",
    "consent_history.csv",
    "orders.csv",
    "tickets.csv",
    "ticket_messages.csv",
    "timeline.csv",
    "ticket_attachments.csv",
    "privacy_requests.csv",
    "survey_answers.csv",
    "social_handles.csv",
    "social_posts.csv",
    "campaign_deliveries.csv",
    "campaign_events.csv",
    "analytics.csv",
    "aliases.csv",
}


@pytest.fixture(autouse=True)
def quick_answers(settings):
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.0


def without_time(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "exported_at"}


def test_the_zip_holds_what_export_customer_prints(db, tmp_path):
    aino = make_person("Aino", "Aalto", "aino@example.fi", "A", note="internal")
    client = portal_client("aino@example.fi")
    response = client.get("/portal/me/download/")
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"customer.json", *TABLES}
    from_portal = json.loads(archive.read("customer.json"))

    out = io.StringIO()
    call_command("export-customer", f"#{aino.pk}", stdout=out)
    from_command = json.loads(out.getvalue())
    assert without_time(from_portal) == without_time(from_command)
    assert len(from_command["tickets"]) == 1
    assert [m["kind"] for m in from_command["ticket_messages"]] == ["inbound", "reply"]

    zipped = tmp_path / "aino.zip"
    call_command("export-customer", f"#{aino.pk}", "--zip", str(zipped), stdout=io.StringIO())
    staff = zipfile.ZipFile(zipped)
    assert set(staff.namelist()) == set(archive.namelist())
    for name in TABLES:
        assert staff.read(name) == archive.read(name), name
    assert without_time(json.loads(staff.read("customer.json"))) == without_time(from_portal)


def test_each_csv_has_the_rows_of_its_table(db):
    make_person("Aino", "Aalto", "aino@example.fi", "A")
    client = portal_client("aino@example.fi")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/portal/me/download/").content))
    document = json.loads(archive.read("customer.json"))

    def rows(name):
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    orders = rows("orders.csv")
    assert [(row["external_id"], row["amount"]) for row in orders] == [
        (order["external_id"], order["amount"]) for order in document["orders"]
    ]
    assert rows("profile.csv")[0]["email"] == "aino@example.fi"
    assert len(rows("timeline.csv")) == len(document["timeline"])
    assert len(rows("consent_history.csv")) == len(document["consents"]["history"]) == 1
    assert archive.read("orders.csv").startswith("\ufeff".encode())


def test_the_zip_carries_the_customers_attachments_but_not_those_of_internal_notes(db, settings, tmp_path):
    from sidos.mail.parsing import Attachment
    from sidos.privacy.actions import request_erasure_from_portal
    from sidos.servicedesk.actions import add_note, reply

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIDOS_PORTAL_ANSWER_SECONDS = 0.0
    aino = make_person("Aino", "Aalto", "aino@example.fi", "A")
    ticket = aino.tickets.get()
    reply(
        None, ticket, "Here is the manual.", attachments=[Attachment("manual.txt", "text/plain", b"Step 1")]
    )
    add_note(None, ticket, "internal", attachments=[Attachment("staff.txt", "text/plain", b"Staff only")])
    request_erasure_from_portal(aino)
    content = portal_client("aino@example.fi").get("/portal/me/download/").content
    archive = zipfile.ZipFile(io.BytesIO(content))
    files = [name for name in archive.namelist() if name.startswith("attachments/")]
    assert len(files) == 1 and files[0].endswith("-manual.txt")
    assert archive.read(files[0]) == b"Step 1"
    listed = json.loads(archive.read("customer.json"))
    assert [row["filename"] for row in listed["ticket_attachments"]] == ["manual.txt"]
    assert [(row["kind"], row["status"]) for row in listed["privacy_requests"]] == [("erasure", "received")]


def test_the_download_holds_survey_answers_social_posts_and_campaign_events(db):
    import datetime as dt

    from django.utils import timezone

    from sidos.campaigns.models import (
        Campaign,
        Delivery,
        DeliveryStatus,
        Segment,
        TrackingEvent,
        TrackingKind,
    )
    from sidos.listening.models import Post, SocialHandle, Source, SourceKind
    from sidos.surveys.models import Answer, QuestionKind, Response, ResponseChannel
    from sidos.surveys.tests.builders import make_survey, question

    aino = make_person("Aino", "Aalto", "aino@example.fi", "A")
    other = make_person("Bertil", "Berg", "bertil@example.se", "B")
    survey = make_survey("After delivery")
    for customer, text in ((aino, "Friendly staff, slow delivery."), (other, "Bertil's own words")):
        response = Response.objects.create(
            survey=survey, customer=customer, channel=ResponseChannel.INVITATION, language="en"
        )
        Answer.objects.create(response=response, question=question(survey, QuestionKind.TEXT), text=text)
    source = Source.objects.create(name="mastodon.social #pankki", kind=SourceKind.MASTODON)
    SocialHandle.objects.create(customer=aino, network=SourceKind.MASTODON, handle="aino@mastodon.social")
    Post.objects.create(
        source=source,
        external_id="1",
        author_handle="aino@mastodon.social",
        text="Jono oli tunnin mittainen",
        posted_at=timezone.now() - dt.timedelta(hours=2),
        customer=aino,
    )
    segment = Segment.objects.create(name="Everyone", definition={})
    campaign = Campaign.objects.create(name="Autumn offers", segment=segment)
    delivery = Delivery.objects.create(
        campaign=campaign, customer=aino, address="aino@example.fi", status=DeliveryStatus.SENT,
        sent_at=timezone.now(), opens=1,
    )
    TrackingEvent.objects.create(delivery=delivery, kind=TrackingKind.OPEN)

    download = portal_client("aino@example.fi").get("/portal/me/download/")
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    document = json.loads(archive.read("customer.json"))
    assert [a["text"] for a in document["survey_answers"]] == ["Friendly staff, slow delivery."]
    assert document["survey_answers"][0]["response__survey__name"] == "After delivery"
    assert document["social_handles"] == [{"network": "mastodon", "handle": "aino@mastodon.social"}]
    assert [p["text"] for p in document["social_posts"]] == ["Jono oli tunnin mittainen"]
    deliveries = [(d["campaign__name"], d["opens"]) for d in document["campaign_deliveries"]]
    assert deliveries == [("Autumn offers", 1)]
    assert [e["kind"] for e in document["campaign_events"]] == ["open"]
    rows = list(csv.DictReader(io.StringIO(archive.read("survey_answers.csv").decode("utf-8-sig"))))
    assert [row["text"] for row in rows] == ["Friendly staff, slow delivery."]
    assert "Bertil" not in archive.read("customer.json").decode()
    page = portal_client("aino@example.fi").get("/portal/me/").content.decode()
    for text in ("Friendly staff, slow delivery.", "Jono oli tunnin mittainen", "Autumn offers"):
        assert text in page
    assert "aino@mastodon.social" in page
