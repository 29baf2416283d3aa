"""Staff attachments on replies and internal notes: upload, the e-mail that carries them, download rights."""

from email import message_from_bytes, policy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sidos.conftest import _logged_in
from sidos.mail import tasks
from sidos.mail.models import OutboundMessage
from sidos.privacy.models import AuditEntry
from sidos.servicedesk.models import MessageKind, Queue, TicketAttachment
from sidos.servicedesk.tests.helpers import make_ticket

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 20


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str, content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def received(server, index=0):
    return message_from_bytes(server.received[index]["content"], policy=policy.default)


def test_a_reply_with_files_stores_them_and_the_e_mail_carries_them(agent_client, smtp_server):
    ticket = make_ticket()
    files = [upload("kuitti 100234.pdf"), upload('ohje<"1">.txt', b"Palauta 14 pv sisalla", "text/plain")]
    response = agent_client.post(
        reverse("servicedesk:reply", args=[ticket.pk]), {"text": "Kuitti liitteenä.", "files": files}
    )
    assert response.status_code == 302
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    stored = {item.filename: item for item in reply.attachments.all()}
    assert set(stored) == {"kuitti 100234.pdf", "ohje1.txt"}  # quotes and angle brackets removed
    assert stored["kuitti 100234.pdf"].size == len(PDF)
    assert stored["kuitti 100234.pdf"].file.read() == PDF

    assert tasks.send_outbound.call(reply.outbound.pk) == "sent"
    mail = received(smtp_server)
    parts = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(parts) == {"kuitti 100234.pdf", "ohje1.txt"}
    assert parts["kuitti 100234.pdf"].get_content() == PDF
    assert "Kuitti liitteenä." in mail.get_body(("plain",)).get_content()

    page = agent_client.get(reverse("servicedesk:ticket", args=[ticket.pk])).content.decode()
    download = reverse("servicedesk:attachment", args=[ticket.pk, stored["kuitti 100234.pdf"].pk])
    assert download in page


def test_note_attachments_stay_internal(agent, agent_client, smtp_server):
    ticket = make_ticket()
    acknowledgements = OutboundMessage.objects.count()
    agent_client.post(
        reverse("servicedesk:note", args=[ticket.pk]),
        {"text": "Asiakkaan kuitti, vain meille.", "files": [upload("sisainen.pdf")]},
    )
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert [item.filename for item in note.attachments.all()] == ["sisainen.pdf"]
    assert OutboundMessage.objects.count() == acknowledgements  # a note sends nothing

    agent_client.post(reverse("servicedesk:reply", args=[ticket.pk]), {"text": "Selvitämme asiaa."})
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert tasks.send_outbound.call(reply.outbound.pk) == "sent"
    mail = received(smtp_server)
    assert list(mail.iter_attachments()) == []
    assert b"sisainen.pdf" not in smtp_server.received[0]["content"]


def test_a_file_over_the_limit_is_refused_naming_it_and_nothing_is_written(agent_client, settings):
    settings.SIDOS_MAIL_MAX_ATTACHMENT_BYTES = 1000
    ticket = make_ticket()
    acknowledgements = OutboundMessage.objects.count()
    response = agent_client.post(
        reverse("servicedesk:reply", args=[ticket.pk]),
        {"text": "Liitteenä iso tiedosto.", "files": [upload("pieni.txt", b"ok"), upload("iso-kuva.pdf")]},
        follow=True,
    )
    page = response.content.decode()
    assert "iso-kuva.pdf is too large" in page
    assert not ticket.messages.filter(kind=MessageKind.REPLY).exists()
    assert not TicketAttachment.objects.exists()
    assert OutboundMessage.objects.count() == acknowledgements


@pytest.fixture
def stored_file(agent):
    from sidos.mail.parsing import Attachment
    from sidos.servicedesk import actions

    ticket = make_ticket()
    files = [Attachment("kuitti.pdf", "application/pdf", PDF)]
    note = actions.add_note(agent, ticket, "Kuitti", attachments=files)
    return ticket, note.attachments.get()


def test_staff_with_access_download_it_audited_as_a_file_never_inline(agent, agent_client, stored_file):
    ticket, item = stored_file
    response = agent_client.get(reverse("servicedesk:attachment", args=[ticket.pk, item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    entry = AuditEntry.objects.get(action="view", summary__contains="downloaded attachment kuitti.pdf")
    assert entry.actor == agent and entry.customer_id == ticket.customer_id


def test_no_download_for_other_queues_other_roles_or_anonymous(client, make_staff, stored_file):
    ticket, item = stored_file
    url = reverse("servicedesk:attachment", args=[ticket.pk, item.pk])
    assert client.get(url).status_code == 302  # to the login page
    assert "login" in client.get(url)["Location"]
    assert _logged_in(make_staff("analyst")).get(url).status_code == 403
    assert _logged_in(make_staff("marketer")).get(url).status_code == 403

    vip = Queue.objects.create(name="VIP")
    ticket.queue = vip
    ticket.save(update_fields=["queue"])
    other_agent = _logged_in(make_staff("agent", "agent2"))
    assert other_agent.get(url).status_code == 404  # a queue the role does not see: as if it did not exist
    assert not AuditEntry.objects.filter(summary__contains="downloaded").exists()


def test_the_action_refuses_an_oversized_attachment_from_any_caller(agent, settings):
    from sidos.mail.parsing import Attachment
    from sidos.servicedesk import actions

    settings.SIDOS_MAIL_MAX_ATTACHMENT_BYTES = 10
    ticket = make_ticket()
    with pytest.raises(actions.TicketError, match="'iso.pdf' is larger than the limit of 10 bytes"):
        actions.add_note(agent, ticket, "x", attachments=[Attachment("iso.pdf", "application/pdf", PDF)])
    assert not ticket.messages.filter(kind=MessageKind.NOTE).exists()


def test_the_size_error_is_in_finnish_too(settings):
    from django.utils import translation

    from sidos.servicedesk.forms import NoteForm

    settings.SIDOS_MAIL_MAX_ATTACHMENT_BYTES = 10
    with translation.override("fi"):
        form = NoteForm({"text": "x"}, {"files": [upload("iso.pdf")]})
        assert not form.is_valid()
        assert form.errors["files"] == ["iso.pdf on liian suuri (5,0\xa0KB; enintään 10\xa0tavua)."]
