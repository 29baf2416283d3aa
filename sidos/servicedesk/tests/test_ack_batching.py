"""A bulk ingest run sends acknowledgements in batches, but never holds one back for long."""

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from sidos.mail import actions as mail_actions
from sidos.mail import ingest
from sidos.mail.models import OutboundMessage
from sidos.mail.tasks import send_due_outbound
from sidos.servicedesk.inbound import handle_message
from sidos.servicedesk.tests.test_inbound_queries import mail

pytestmark = pytest.mark.django_db
DRAIN = "sidos.mail.tasks.send_due_outbound"


class Clock:
    """Stands in for time.monotonic: the test moves it, so no test waits for real time to pass."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(mail_actions, "_clock", fake)
    return fake


def _is_drain(callback) -> bool:
    return getattr(callback, "__self__", None) is send_due_outbound


@pytest.fixture
def drains(django_capture_on_commit_callbacks):
    """drains() -> how many outbox drains the run has handed to on_commit so far. The test's own
    transaction never commits, so they are counted where Django keeps them until it would."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        yield lambda: sum(1 for _sids, callback, _robust in connection.run_on_commit if _is_drain(callback))
    # And run, they are what the worker finds: one drain task each.
    assert DBTaskResult.objects.filter(task_path=DRAIN).count() == sum(map(_is_drain, callbacks))


def test_a_quick_run_drains_once_per_hundred_messages_and_at_the_end(clock, drains):
    with ingest.bulk(handle_message):
        for number in range(150):
            ingest.ingest_bytes(mail(f"c{number}@example.fi", f"m{number}@example.fi"), source="test")
            if number == 98:
                assert drains() == 0
            if number == 99:
                assert drains() == 1  # the hundredth acknowledgement committed: the first 100 go out
        assert drains() == 1
    assert drains() == 2 and OutboundMessage.objects.count() == 150


def test_an_acknowledgement_waits_at_most_a_second_for_its_batch(clock, drains):
    with ingest.bulk(handle_message):
        ingest.ingest_bytes(mail("c0@example.fi", "m0@example.fi"), source="test")
        clock.now += 0.5
        ingest.ingest_bytes(mail("c1@example.fi", "m1@example.fi"), source="test")
        assert drains() == 0
        clock.now += 0.6  # the first has now waited 1.1 s
        ingest.ingest_bytes(mail("c2@example.fi", "m2@example.fi"), source="test")
        assert drains() == 1
        ingest.ingest_bytes(mail("c3@example.fi", "m3@example.fi"), source="test")
        assert drains() == 1  # a new batch starts
    assert drains() == 2


def test_a_waiting_acknowledgement_goes_out_after_the_next_message_even_if_that_queues_none(clock, drains):
    with ingest.bulk(handle_message):
        ingest.ingest_bytes(mail("c0@example.fi", "first@example.fi"), source="test")
        clock.now += 5
        reply = mail("c0@example.fi", "reply@example.fi", "Re: Tilaus", "first@example.fi")
        assert ingest.ingest_bytes(reply, source="test") == "threaded"  # no acknowledgement for a reply
        assert drains() == 1
