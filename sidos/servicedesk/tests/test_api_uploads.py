"""/api/v1/tickets/{id}/reply|notes/multipart and the attachment download: files through the REST API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sidos.mail.models import OutboundAttachment
from sidos.privacy.models import AuditEntry
from sidos.servicedesk.models import MessageKind, Queue, TicketAttachment, TicketMessage
from sidos.servicedesk.tests.helpers import make_ticket

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str, content: bytes = PDF):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_reply_with_files_keeps_them_and_queues_them_with_the_mail(api_client_for, agent):
    ticket = make_ticket()
    response = api_client_for(agent).post(
        f"{URL}/{ticket.pk}/reply/multipart",
        {
            "text": "Kuitti liitteenä.",
            "status": "waiting",
            "files": [upload("kuitti.pdf"), upload("ohje.txt", b"x")],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == MessageKind.REPLY and body["outbound_status"] == "queued"
    assert [(a["filename"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("kuitti.pdf", "application/pdf", len(PDF)),
        ("ohje.txt", "text/plain", 1),
    ]
    message = TicketMessage.objects.get(pk=body["id"])
    assert message.ticket.status == "waiting"
    sent = OutboundAttachment.objects.filter(message=message.outbound).order_by("pk")
    assert [(item.filename, bytes(item.content)) for item in sent] == [
        ("kuitti.pdf", PDF),
        ("ohje.txt", b"x"),
    ]


def test_a_note_with_files_stays_internal(api_client_for, agent):
    ticket = make_ticket()
    response = api_client_for(agent).post(
        f"{URL}/{ticket.pk}/notes/multipart", {"text": "Asiakkaan kuitti", "files": [upload("kuitti.pdf")]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == MessageKind.NOTE
    assert TicketAttachment.objects.get().message_id == response.json()["id"]
    assert not OutboundAttachment.objects.exists()


def test_a_reply_without_files_works_as_multipart_too(api_client_for, agent):
    ticket = make_ticket()
    response = api_client_for(agent).post(f"{URL}/{ticket.pk}/reply/multipart", {"text": "Kiitos!"})
    assert response.status_code == 201 and response.json()["attachments"] == []


@pytest.mark.parametrize("name", ["lasku.exe", "Ohje.PDF.js", "setup.msi"])
def test_a_file_that_runs_when_opened_is_refused_by_name_and_nothing_is_written(api_client_for, agent, name):
    ticket = make_ticket()
    before = TicketMessage.objects.count()
    response = api_client_for(agent).post(
        f"{URL}/{ticket.pk}/reply/multipart", {"text": "Liitteenä", "files": [upload("ok.pdf"), upload(name)]}
    )
    assert response.status_code == 400
    error = response.json()
    assert error["field"] == "files"
    assert name in error["detail"] and "cannot be attached" in error["detail"]
    assert TicketMessage.objects.count() == before and not TicketAttachment.objects.exists()


def test_a_file_over_the_limit_is_refused_with_its_size(api_client_for, agent, settings):
    settings.SIDOS_MAIL_MAX_ATTACHMENT_BYTES = 1000
    ticket = make_ticket()
    response = api_client_for(agent).post(
        f"{URL}/{ticket.pk}/notes/multipart", {"text": "Iso", "files": [upload("iso.pdf", b"x" * 1001)]}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "iso.pdf is too large (1001\xa0bytes; at most 1000\xa0bytes)."
    assert not TicketAttachment.objects.exists()


def test_more_than_ten_files_at_once_are_refused(api_client_for, agent):
    ticket = make_ticket()
    files = [upload(f"{n}.pdf") for n in range(11)]
    response = api_client_for(agent).post(
        f"{URL}/{ticket.pk}/notes/multipart", {"text": "Paljon", "files": files}
    )
    assert response.status_code == 400 and "At most 10 files" in response.json()["detail"]


def test_an_empty_text_is_a_validation_error(api_client_for, agent):
    ticket = make_ticket()
    response = api_client_for(agent).post(f"{URL}/{ticket.pk}/reply/multipart", {"files": [upload("a.pdf")]})
    assert response.status_code == 422


def test_the_download_is_the_file_as_an_attachment_and_is_audited(api_client_for, agent):
    ticket = make_ticket()
    api = api_client_for(agent)
    stored = api.post(f"{URL}/{ticket.pk}/notes/multipart", {"text": "n", "files": [upload("kuitti.pdf")]})
    download = stored.json()["attachments"][0]["download"]
    listed = api.get(f"{URL}/{ticket.pk}").json()["messages"][-1]["attachments"]
    assert listed[0]["download"] == download
    response = api.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(
        target_type="ticket", target_id=str(ticket.pk), summary__contains="downloaded attachment kuitti.pdf"
    ).exists()


def test_uploads_and_downloads_check_the_role_and_the_queue(api_client_for, agent, marketer):
    ticket = make_ticket()
    api = api_client_for(agent)
    attachment = api.post(
        f"{URL}/{ticket.pk}/notes/multipart", {"text": "n", "files": [upload("a.pdf")]}
    ).json()["attachments"][0]
    assert api_client_for(marketer).get(attachment["download"]).status_code == 403
    assert (
        api_client_for(marketer).post(f"{URL}/{ticket.pk}/notes/multipart", {"text": "n"}).status_code == 403
    )
    hidden = make_ticket(queue=Queue.objects.create(name="VIP"))
    assert api.post(f"{URL}/{hidden.pk}/reply/multipart", {"text": "n"}).status_code == 404
    other = TicketAttachment.objects.get()
    assert api.get(f"{URL}/{hidden.pk}/attachments/{other.pk}").status_code == 404  # not that ticket's file


def test_the_type_error_is_in_finnish_too():
    from django.utils import translation

    from sidos.servicedesk.uploads import Upload, clean_uploads

    with translation.override("fi"):
        _cleaned, errors = clean_uploads([Upload("lasku.exe", 3, lambda: b"MZ!")])
    assert errors == ["lasku.exe: .exe-tyyppisiä tiedostoja ei voi liittää (ne käynnistyvät avattaessa)."]
