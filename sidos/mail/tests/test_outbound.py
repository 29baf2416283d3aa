"""The outbox against a real SMTP server on loopback (aiosmtpd): headers, outage, retry exactly once."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sidos.mail import actions, tasks
from sidos.mail.models import OutboundMessage, OutboundStatus
from sidos.mail.tests.servers import SmtpServer, free_port
from sidos.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def queue(**overrides):
    fields = {
        "to": ["paivi.makinen@example.fi"],
        "subject": "Re: Tilaus 100234 [SD-10001]",
        "text": "Hei Päivi,\n\npaketti on matkalla.\n",
    }
    fields.update(overrides)
    return actions.queue_outbound(**fields)


def received_message(server, index=0):
    return message_from_bytes(server.received[index]["content"], policy=policy.default)


def test_queueing_enqueues_the_send_task_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = queue()
    assert len(callbacks) == 1
    job = DBTaskResult.objects.get()
    assert job.args_kwargs["args"] == [message.pk] and job.task_path.endswith("send_outbound")
    assert message.status == OutboundStatus.QUEUED and message.attempts == 0
    assert AuditEntry.objects.filter(target_type="mail.outbound", target_id=str(message.pk)).exists()


def test_nothing_is_enqueued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue()
    assert len(callbacks) == 1  # runs only on commit; a rollback drops it with the row


def test_it_sends_a_reply_with_threading_headers(smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "Asiakaspalvelu <asiakaspalvelu@kauppa.example>"
    message = queue(
        in_reply_to="<CAFx8pQ7zz99yy88@mail.example.fi>",
        references=["CAFx8pQ7a1b2c3d4e5f6@mail.example.fi", "<173287000000.1111.2222@kauppa.example>"],
        html="<p>Hei Päivi</p>",
        related="servicedesk.ticket:1",
    )
    assert tasks.send_outbound.call(message.pk) == "sent"
    assert len(smtp_server.received) == 1
    envelope = smtp_server.received[0]
    assert (
        envelope["to"] == ["paivi.makinen@example.fi"] and envelope["from"] == "asiakaspalvelu@kauppa.example"
    )
    sent = received_message(smtp_server)
    assert sent["Message-ID"] == f"<{message.message_id}>"
    assert message.message_id.endswith("@kauppa.example")
    assert sent["In-Reply-To"] == "<CAFx8pQ7zz99yy88@mail.example.fi>"
    assert sent["References"].split() == [
        "<CAFx8pQ7a1b2c3d4e5f6@mail.example.fi>",
        "<173287000000.1111.2222@kauppa.example>",
        "<CAFx8pQ7zz99yy88@mail.example.fi>",
    ]
    assert sent["Subject"] == "Re: Tilaus 100234 [SD-10001]"
    assert sent["X-Sidos-Loop"] == actions.loop_token()
    assert "Auto-Submitted" not in sent
    assert (
        sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
        == "Hei Päivi,\n\npaketti on matkalla.\n"
    )
    assert sent.get_body(("html",)).get_content().strip() == "<p>Hei Päivi</p>"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboundStatus.SENT, 1, "")
    assert message.sent_at is not None


def test_an_acknowledgement_is_marked_auto_submitted(smtp_server):
    message = queue(auto_submitted=True, headers={"X-Sidos-Ticket": "SD-10001"})
    tasks.send_outbound.call(message.pk)
    sent = received_message(smtp_server)
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Sidos-Ticket"] == "SD-10001"


def test_a_message_is_sent_once_even_if_its_task_runs_twice(smtp_server):
    message = queue()
    assert tasks.send_outbound.call(message.pk) == "sent"
    assert tasks.send_outbound.call(message.pk) == "skipped"
    assert len(smtp_server.received) == 1


def test_server_down_then_up_sends_exactly_once(settings):
    port = free_port()  # nothing listens here yet
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.SIDOS_SMTP_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    message = queue()
    before = timezone.now()
    assert tasks.send_outbound.call(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == OutboundStatus.QUEUED and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at >= before + timedelta(seconds=59)
    retry_job = DBTaskResult.objects.get()  # the retry, deferred to the next attempt time
    assert retry_job.run_after == message.next_attempt_at

    server = SmtpServer(port=port).start()
    try:
        assert tasks.send_due() == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}  # not due yet
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())  # time passes
        assert tasks.send_due()["sent"] == 1
        assert tasks.send_outbound.call(message.pk) == "skipped"  # the deferred task finds it done
        assert tasks.send_due()["sent"] == 0
        assert len(server.received) == 1
    finally:
        server.stop()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboundStatus.SENT, 2, "")


def test_a_temporary_smtp_refusal_is_retried_with_growing_delays(smtp_server):
    smtp_server.handler.reply = "451 4.3.0 Try again later"
    message = queue()
    delays = []
    for _ in range(3):
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        started = timezone.now()
        assert tasks.send_outbound.call(message.pk) == "retry"
        message.refresh_from_db()
        delays.append(round((message.next_attempt_at - started).total_seconds() / 60))
    assert delays == [1, 2, 4]
    assert "451" in message.last_error and smtp_server.received == []


def test_it_fails_for_good_after_the_last_attempt_and_an_operator_can_retry(smtp_server, settings):
    settings.SIDOS_MAIL_MAX_ATTEMPTS = 2
    smtp_server.handler.reply = "554 5.7.1 Rejected"
    message = queue()
    assert tasks.send_outbound.call(message.pk) == "retry"
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert tasks.send_outbound.call(message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == OutboundStatus.FAILED and message.next_attempt_at is None
    assert "554" in message.last_error
    smtp_server.handler.reply = "250 OK"
    assert actions.retry_outbound_now(message.pk)
    assert tasks.send_outbound.call(message.pk) == "sent"
    assert len(smtp_server.received) == 1


def test_a_worker_that_died_while_sending_is_requeued(smtp_server):
    message = queue()
    stale = timezone.now() - timedelta(hours=1)
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundStatus.SENDING, updated_at=stale)
    assert tasks.send_due()["sent"] == 1
    assert len(smtp_server.received) == 1


def test_mail_send_due_command_prints_a_json_summary(smtp_server, capsys):
    queue()
    queue(to=["asa.strom@example.se"])
    call_command("mail-send-due", "--json")
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        '{"sent": 2, "retry": 0, "failed": 0, "skipped": 0}'
    )
    assert sorted(r["to"][0] for r in smtp_server.received) == [
        "asa.strom@example.se",
        "paivi.makinen@example.fi",
    ]


def test_queue_outbound_needs_a_recipient():
    with pytest.raises(ValueError, match="recipient"):
        queue(to=["  "])


def test_attachments_are_stored_and_sent_with_the_retry_after_an_outage(settings):
    from sidos.mail.parsing import Attachment

    port = free_port()  # nothing listens here yet
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.SIDOS_SMTP_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    message = queue(
        attachments=[
            Attachment("kuitti-100234.pdf", "application/pdf", pdf),
            Attachment("ohje.txt", "text/plain", "Palautus: 14 päivää".encode()),
        ]
    )
    assert tasks.send_outbound.call(message.pk) == "retry"
    server = SmtpServer(port=port).start()
    try:
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert tasks.send_due()["sent"] == 1
        received = received_message(server)
    finally:
        server.stop()
    files = {part.get_filename(): part for part in received.iter_attachments()}
    assert set(files) == {"kuitti-100234.pdf", "ohje.txt"}
    assert files["kuitti-100234.pdf"].get_content_type() == "application/pdf"
    assert files["kuitti-100234.pdf"].get_content() == pdf
    assert received.get_body(("plain",)).get_content().startswith("Hei Päivi")
