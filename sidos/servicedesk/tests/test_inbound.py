"""Mail → ticket end to end: real .eml files through sidos.mail's ingest into handle_message."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from sidos.mail import ingest
from sidos.mail.models import InboundMessage, OutboundMessage
from sidos.servicedesk import actions
from sidos.servicedesk.models import Channel, MessageKind, Status, Ticket, TicketAttachment

pytestmark = pytest.mark.django_db
EML = Path(__file__).resolve().parents[2] / "mail" / "tests" / "eml"


def raw(name: str) -> bytes:
    return (EML / name).read_bytes()


def first_customer_mail() -> bytes:
    return (
        b"From: =?UTF-8?Q?P=C3=A4ivi_M=C3=A4kinen?= <Paivi.Makinen@example.fi>\r\n"
        b"To: asiakaspalvelu@kauppa.example\r\n"
        b"Subject: Tilaus 100234 ei ole saapunut\r\n"
        b"Date: Thu, 28 Nov 2024 09:12:00 +0200\r\n"
        b"Message-ID: <CAFx8pQ7a1b2c3d4e5f6@mail.example.fi>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hei, tilaukseni ei ole viel\xc3\xa4 tullut.\r\n"
    )


def test_a_new_message_opens_an_email_ticket_for_a_new_customer():
    assert ingest.ingest_bytes(first_customer_mail(), source="test") == "created"
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.EMAIL
    assert ticket.subject == "Tilaus 100234 ei ole saapunut"
    assert ticket.customer.email == "paivi.makinen@example.fi"
    assert ticket.customer.first_name == "Päivi"
    message = ticket.messages.get()
    assert "ei ole vielä tullut" in message.body
    assert message.inbound_id == InboundMessage.objects.get().pk
    ack = OutboundMessage.objects.get()
    assert ack.in_reply_to == "CAFx8pQ7a1b2c3d4e5f6@mail.example.fi"


def test_a_reply_to_our_answer_joins_the_ticket_and_reopens_it():
    ingest.ingest_bytes(first_customer_mail(), source="test")
    ticket = Ticket.objects.get()
    answer = actions.reply(None, ticket, "Tarkistimme lähetyksen.", status=Status.WAITING)
    reply = raw("reply_with_references.eml").replace(
        b"<173287000000.1111.2222@kauppa.example>", f"<{answer.message_id}>".encode()
    )
    assert ingest.ingest_bytes(reply, source="test") == "threaded"
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert ticket.status == Status.OPEN
    inbound = ticket.messages.filter(kind=MessageKind.INBOUND).order_by("id")
    assert "paketti tuli tänään perille" in inbound.last().body


def test_a_reference_in_the_subject_threads_mail_from_the_same_customer_only():
    ingest.ingest_bytes(first_customer_mail(), source="test")
    ticket = Ticket.objects.get()
    subject = f"Re: [{ticket.reference}] lis\xe4tietoa".encode("latin-1")

    def mail(sender: bytes, message_id: bytes) -> bytes:
        return (
            b"From: "
            + sender
            + b"\r\nTo: asiakaspalvelu@kauppa.example\r\nSubject: "
            + subject
            + b"\r\nMessage-ID: <"
            + message_id
            + b">\r\nContent-Type: text/plain; charset=latin-1\r\n\r\nKuitti.\r\n"
        )

    assert ingest.ingest_bytes(mail(b"paivi.makinen@example.fi", b"a1@x.fi"), source="t") == "threaded"
    assert ingest.ingest_bytes(mail(b"stranger@example.com", b"a2@x.fi"), source="t") == "created"
    assert ticket.messages.filter(kind=MessageKind.INBOUND).count() == 2
    assert Ticket.objects.count() == 2


def test_the_reply_fixture_without_a_known_thread_opens_a_new_ticket():
    # Its subject names SD-10001, which does not exist here, and its references are unknown.
    assert ingest.ingest_bytes(raw("reply_with_references.eml"), source="test") == "created"
    assert Ticket.objects.get().subject.startswith("Re: Tilaus 100234")


def test_attachments_are_stored_with_the_ticket():
    assert ingest.ingest_bytes(raw("attachments.eml"), source="test") == "created"
    ticket = Ticket.objects.get()
    files = list(TicketAttachment.objects.filter(ticket=ticket))
    assert files
    for stored in files:
        assert "/" not in stored.filename
        assert stored.file.read() and stored.size > 0


def test_auto_replies_and_bounces_never_open_tickets():
    for name in ("exchange_autoreply.eml", "gmail_vacation.eml", "postfix_dsn_bounce.eml"):
        assert ingest.ingest_bytes(raw(name), source=name) == "ignored"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "fi_utf8_qp.eml",
        "ru_cp1251_base64.eml",
        "sv_latin1_8bit.eml",
        "outlook_html_only.eml",
        "broken_headers.eml",
    ],
)
def test_every_charset_and_structure_becomes_a_readable_ticket(name):
    assert ingest.ingest_bytes(raw(name), source=name) == "created"
    ticket = Ticket.objects.get()
    assert ticket.messages.get().body.strip()
    assert "\ufffd" not in ticket.subject


def test_mail_ingest_command_reports_created_and_threaded(tmp_path, capsys):
    (tmp_path / "1.eml").write_bytes(first_customer_mail())
    call_command("mail-ingest", str(tmp_path / "1.eml"), "--json")
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.search(r'"created": 1', out)


def test_an_outlook_winmail_dat_arrives_on_the_ticket_as_the_files_inside(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert ingest.ingest_bytes(raw("outlook_winmail_dat.eml"), source="test") == "created"
    files = TicketAttachment.objects.order_by("pk")
    assert [(item.filename, item.size) for item in files] == [("AUTHORS", 244), ("README", 893)]
    assert files[0].file.read().lstrip().startswith(b"Authors of tnef")
    assert "winmail.dat decoded into 2 file(s)" in InboundMessage.objects.get().detail
