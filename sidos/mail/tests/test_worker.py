"""The outbox through `sidos worker`: queued on commit, sent by the worker, retried by a deferred task."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sidos.mail import actions
from sidos.mail.models import OutboundMessage, OutboundStatus

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}
    }


def test_a_committed_message_is_sent_by_the_worker(database_tasks, smtp_server):
    with transaction.atomic():
        message = actions.queue_outbound(to=["asa.strom@example.se"], subject="Hej", text="Hej Åsa")
        assert DBTaskResult.objects.count() == 0  # nothing enqueued before the commit
    run_worker()
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT
    assert [r["to"] for r in smtp_server.received] == [["asa.strom@example.se"]]


def test_a_rolled_back_message_is_never_sent(database_tasks, smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.queue_outbound(to=["asa.strom@example.se"], subject="Hej", text="Hej")
        raise RuntimeError("the ticket reply failed")
    run_worker()
    assert not OutboundMessage.objects.exists() and smtp_server.received == []


def test_the_worker_retries_at_the_deferred_time(database_tasks, smtp_server):
    smtp_server.handler.reply = "451 4.7.1 Greylisted, try again"
    with transaction.atomic():
        message = actions.queue_outbound(to=["igor.petrov@example.net"], subject="x", text="y")
    run_worker()
    message.refresh_from_db()
    assert message.status == OutboundStatus.QUEUED and "Greylisted" in message.last_error
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after == message.next_attempt_at
    run_worker()  # not due yet: the worker leaves it
    assert len(smtp_server.received) == 0 and DBTaskResult.objects.filter(status="READY").count() == 1
    smtp_server.handler.reply = "250 OK"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # the minute has passed
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    run_worker()
    message.refresh_from_db()
    assert message.status == OutboundStatus.SENT and message.attempts == 2
    assert len(smtp_server.received) == 1
