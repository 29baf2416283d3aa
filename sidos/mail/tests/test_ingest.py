"""Ingest: what reaches the handler, what is ignored and why, and that nothing is ever lost."""

import pytest

from sidos.mail import ingest
from sidos.mail.actions import loop_token, queue_outbound
from sidos.mail.models import DeliveryReport, InboundMessage, InboundReason, InboundStatus, OutboundMessage

pytestmark = pytest.mark.django_db


CUSTOMER_MAIL = [
    "fi_utf8_qp.eml",
    "sv_latin1_8bit.eml",
    "ru_cp1251_base64.eml",
    "ru_koi8r_8bit.eml",
    "outlook_html_only.eml",
    "broken_headers.eml",
    "attachments.eml",
    "wrong_charset.eml",
    "outlook_winmail_dat.eml",
]


@pytest.mark.parametrize("name", CUSTOMER_MAIL)
def test_it_passes_customer_mail_to_the_handler_with_its_stored_row(eml, handled, name):
    raw = eml(name)
    assert ingest.ingest_bytes(raw, source=name) == "created"
    assert len(handled) == 1
    row = InboundMessage.objects.get()
    assert handled[0].inbound_id == row.pk
    assert bytes(row.raw) == raw and row.size == len(raw)
    assert row.status == InboundStatus.CREATED and row.reason == ""
    assert row.message_id == handled[0].message_id and row.source == name


def test_it_reports_a_reply_as_threaded_by_the_handler(eml, handled):
    assert ingest.ingest_bytes(eml("reply_with_references.eml")) == "threaded"
    assert InboundMessage.objects.get().status == InboundStatus.THREADED


@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("exchange_autoreply.eml", InboundReason.AUTO_REPLY, "Auto-Submitted: auto-generated"),
        ("gmail_vacation.eml", InboundReason.AUTO_REPLY, "Auto-Submitted: auto-replied"),
        ("vacation_subject_only.eml", InboundReason.AUTO_REPLY, "vacation subject"),
        ("newsletter_precedence_bulk.eml", InboundReason.AUTO_REPLY, "Precedence: bulk"),
        ("postfix_dsn_bounce.eml", InboundReason.BOUNCE, "tuntematon@example.fi failed 5.1.1"),
    ],
)
def test_it_ignores_automatic_mail_with_the_reason(eml, handled, name, reason, detail):
    assert ingest.ingest_bytes(eml(name)) == "ignored"
    assert handled == []
    row = InboundMessage.objects.get()
    assert (row.status, row.reason) == (InboundStatus.IGNORED, reason)
    assert detail in row.detail


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Autoreply", "yes"),
        ("X-Autorespond", "Out of office"),
        ("Precedence", "junk"),
        ("Precedence", "list"),
        ("Precedence", "auto_reply"),
    ],
)
def test_it_recognises_each_autoreply_header(eml, handled, header, value):
    raw = eml("fi_utf8_qp.eml").replace(b"MIME-Version:", f"{header}: {value}\r\nMIME-Version:".encode(), 1)
    assert ingest.ingest_bytes(raw) == "ignored"
    assert InboundMessage.objects.get().reason == InboundReason.AUTO_REPLY


def test_auto_submitted_no_is_a_person(eml, handled):
    raw = eml("fi_utf8_qp.eml").replace(b"MIME-Version:", b"Auto-Submitted: no\r\nMIME-Version:", 1)
    assert ingest.ingest_bytes(raw) == "created"


def test_it_stores_the_delivery_report_of_a_bounce(eml, handled):
    ingest.ingest_bytes(eml("postfix_dsn_bounce.eml"))
    report = DeliveryReport.objects.get()
    assert report.recipient == "tuntematon@example.fi"
    assert report.original_recipient == "tuntematon@example.fi"
    assert (report.action, report.status, report.is_permanent) == ("failed", "5.1.1", True)
    assert report.remote_mta == "mx1.example.fi"
    assert "User unknown in virtual mailbox table" in report.diagnostic
    assert report.original_message_id == "173278080201.4242.5550001@kauppa.example"


def test_the_same_message_twice_is_a_duplicate(eml, handled):
    raw = eml("fi_utf8_qp.eml")
    assert ingest.ingest_bytes(raw) == "created"
    assert ingest.ingest_bytes(raw) == "ignored"
    assert len(handled) == 1
    second = InboundMessage.objects.order_by("pk").last()
    assert second.reason == InboundReason.DUPLICATE and "inbound #" in second.detail


def test_a_redelivered_bounce_records_its_report_once(eml, handled):
    ingest.ingest_bytes(eml("postfix_dsn_bounce.eml"))
    ingest.ingest_bytes(eml("postfix_dsn_bounce.eml"))
    assert DeliveryReport.objects.count() == 1


def test_a_message_without_message_id_is_a_duplicate_of_its_identical_bytes(eml, handled):
    raw = eml("broken_headers.eml")
    assert [ingest.ingest_bytes(raw), ingest.ingest_bytes(raw)] == ["created", "ignored"]


def test_our_own_outgoing_message_coming_back_is_a_loop(eml, handled, django_capture_on_commit_callbacks):
    outbound = queue_outbound(to=["paivi.makinen@example.fi"], subject="Re: x", text="Hei")
    raw = eml("fi_utf8_qp.eml").replace(
        b"<CAFx8pQ7a1b2c3d4e5f6@mail.example.fi>", f"<{outbound.message_id}>".encode()
    )
    assert ingest.ingest_bytes(raw) == "ignored"
    assert InboundMessage.objects.get().reason == InboundReason.LOOP


def test_our_loop_header_marks_a_loop_but_another_installations_does_not(eml, handled):
    ours = eml("fi_utf8_qp.eml").replace(
        b"MIME-Version:", f"X-Sidos-Loop: {loop_token()}\r\nMIME-Version:".encode()
    )
    theirs = eml("sv_latin1_8bit.eml").replace(
        b"MIME-Version:", b"X-Sidos-Loop: other.example;0123\r\nMIME-Version:"
    )
    assert ingest.ingest_bytes(ours) == "ignored"
    assert ingest.ingest_bytes(theirs) == "created"


def test_too_many_received_headers_is_a_loop(eml, handled):
    hops = b"".join(
        b"Received: from relay%d.example by relay%d.example; Mon, 18 Nov 2024 09:00:00 +0200\r\n" % (n, n + 1)
        for n in range(30)
    )
    assert ingest.ingest_bytes(hops + eml("fi_utf8_qp.eml")) == "ignored"
    row = InboundMessage.objects.get()
    assert row.reason == InboundReason.LOOP and "31 Received headers" in row.detail


def test_unparseable_bytes_are_kept_as_failed(eml, handled):
    raw = eml("not_a_message.eml")
    assert ingest.ingest_bytes(raw, source="junk") == "failed"
    row = InboundMessage.objects.get()
    assert (row.status, row.reason) == (InboundStatus.FAILED, InboundReason.UNPARSEABLE)
    assert bytes(row.raw) == raw and "no header fields" in row.detail


def test_a_handler_error_keeps_the_message_and_rolls_back_what_the_handler_wrote(eml, settings):
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.explode"
    assert ingest.ingest_bytes(eml("fi_utf8_qp.eml")) == "failed"
    row = InboundMessage.objects.get()
    assert (row.status, row.reason) == (InboundStatus.FAILED, InboundReason.HANDLER_ERROR)
    assert "RuntimeError: ticket store is down" in row.detail
    assert not OutboundMessage.objects.exists()  # the handler's half-done write is gone


def test_a_handler_returning_nonsense_is_a_failure(eml, settings, monkeypatch):
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.nothing"
    monkeypatch.setattr("sidos.mail.tests.handlers.nothing", lambda message: "maybe")
    assert ingest.ingest_bytes(eml("fi_utf8_qp.eml")) == "failed"
    assert "'maybe'" in InboundMessage.objects.get().detail


def test_failed_messages_are_processed_again_once_the_handler_works(eml, settings, handled):
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.explode"
    ingest.ingest_bytes(eml("fi_utf8_qp.eml"))
    ingest.ingest_bytes(eml("ru_koi8r_8bit.eml"))
    ingest.ingest_bytes(eml("not_a_message.eml"))
    settings.SIDOS_INBOUND_MAIL_HANDLER = "sidos.mail.tests.handlers.record"
    summary = ingest.retry_failed()
    assert summary.as_dict() == {"created": 2, "threaded": 0, "ignored": 0, "failed": 1}
    assert [m.subject for m in handled] == ["Tilaus 100234 ei ole vielä saapunut", "Вопрос о кофемолке"]
    statuses = list(InboundMessage.objects.order_by("pk").values_list("status", "attempts"))
    assert statuses == [("created", 2), ("created", 2), ("failed", 2)]
    assert ingest.retry_failed().as_dict()["created"] == 0  # nothing re-run twice


def test_it_reads_a_delivery_status_part_sent_base64_encoded(eml, handled):
    assert ingest.ingest_bytes(eml("exchange_ndr_base64_status.eml")) == "ignored"
    report = DeliveryReport.objects.get()
    assert (report.recipient, report.action, report.status) == ("tuntematon@example.fi", "failed", "5.1.1")
    assert report.remote_mta == "mx1.example.fi"


def test_a_permanent_bounce_marks_the_address_and_a_delay_does_not(eml, handled):
    from sidos.mail.bounces import permanently_failed

    ingest.ingest_bytes(eml("postfix_dsn_bounce.eml"))
    delayed = (
        eml("postfix_dsn_bounce.eml")
        .replace(b"tuntematon@example.fi", b"taysi@example.fi")
        .replace(b"Action: failed\r\nStatus: 5.1.1", b"Action: delayed\r\nStatus: 4.2.2")
        .replace(b"4XkAOo7Pp8z9sFF@mail", b"4XkAOo7Pp8z9sXX@mail")
    )
    ingest.ingest_bytes(delayed)
    assert DeliveryReport.objects.count() == 2
    assert permanently_failed() == {"tuntematon@example.fi"}
    assert permanently_failed(["Tuntematon@Example.fi", "taysi@example.fi"]) == {"tuntematon@example.fi"}
