"""The invitation page: signed, expiring links; one answer per recipient; errors per question; languages."""

import random
import threading
import time

import pytest
from django.core import signing
from django.db import OperationalError, connection
from django.urls import reverse

from sidos.customers.models import TimelineEvent
from sidos.privacy.models import AuditEntry
from sidos.surveys import actions, tokens
from sidos.surveys.models import Answer, Invitation, InvitationStatus, QuestionKind, Response, SurveyStatus
from sidos.surveys.tests.builders import as_post, consenting_customer, full_answers, make_survey, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    survey = make_survey()
    customer = consenting_customer("aino@example.fi", language="fi")
    return Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)


def url_for(invitation) -> str:
    return reverse("survey_public:answer", args=[tokens.token_for(invitation.key)])


def test_it_shows_the_survey_in_the_customers_language(client, invitation):
    page = client.get(url_for(invitation)).content.decode()
    assert "Kuinka todennäköisesti suosittelisit meitä?" in page
    assert 'lang="fi"' in page
    assert "Lähetä vastaukset" in page  # the page's own words are Finnish too


def test_it_shows_swedish_to_a_swedish_customer(client):
    survey = make_survey()
    customer = consenting_customer("sven@example.se", language="sv")
    invitation = Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)
    page = client.get(url_for(invitation)).content.decode()
    assert "Hur troligt är det att du rekommenderar oss?" in page
    assert "Skicka svaren" in page


def test_it_refuses_a_tampered_token(client, invitation):
    token = tokens.token_for(invitation.key)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(reverse("survey_public:answer", args=[tampered]))
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_it_refuses_a_token_for_a_key_made_up_by_someone_else(client, invitation):
    # A token signed with another key (an attacker's own secret) does not verify.
    forged = signing.dumps(
        {"k": invitation.key}, key="not-our-secret-key-not-our-secret-key", salt=tokens.SALT
    )
    assert client.get(reverse("survey_public:answer", args=[forged])).status_code == 400


def test_it_refuses_an_expired_link(client, invitation, settings, monkeypatch):
    settings.SIDOS_SURVEY_LINK_DAYS = 30
    issued = time.time() - 31 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = tokens.token_for(invitation.key)
    monkeypatch.undo()
    response = client.get(reverse("survey_public:answer", args=[token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_link_a_day_short_of_expiry_still_works(client, invitation, settings, monkeypatch):
    settings.SIDOS_SURVEY_LINK_DAYS = 30
    issued = time.time() - 29 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = tokens.token_for(invitation.key)
    monkeypatch.undo()
    assert client.get(reverse("survey_public:answer", args=[token])).status_code == 200


def test_a_valid_signature_for_an_unknown_key_is_not_found(client, db):
    assert (
        client.get(reverse("survey_public:answer", args=[tokens.token_for("no-such-key")])).status_code == 404
    )


def test_an_answer_is_stored_on_the_timeline_and_audited(client, invitation):
    survey = invitation.survey
    response = client.post(url_for(invitation), as_post(survey, full_answers(survey)))
    assert response.status_code == 200
    assert "Kiitos paljon!" in response.content.decode()
    stored = Response.objects.get()
    assert (stored.customer, stored.language, stored.channel) == (invitation.customer, "fi", "invitation")
    by_kind = {a.question.kind: a for a in Answer.objects.select_related("question")}
    assert by_kind[QuestionKind.NPS].number == 9
    assert by_kind[QuestionKind.MULTIPLE].choices == ["price", "range"]
    assert by_kind[QuestionKind.SINGLE].choice == "service"
    assert by_kind[QuestionKind.TEXT].text == "Friendly staff, slow delivery."
    event = TimelineEvent.objects.get(customer=invitation.customer, kind="survey")
    assert event.ref_id == stored.pk and event.detail["answers"]["How likely are you to recommend us?"] == 9
    assert AuditEntry.objects.filter(
        target_type="survey.response", customer_id=invitation.customer_id
    ).exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED and invitation.answered_at is not None


def test_a_second_submit_says_already_answered_and_stores_nothing(client, invitation):
    survey = invitation.survey
    client.post(url_for(invitation), as_post(survey, full_answers(survey)))
    again = client.post(url_for(invitation), as_post(survey, full_answers(survey, nps=["0"])))
    assert "already answered" in again.content.decode() or "jo vastannut" in again.content.decode()
    assert Response.objects.count() == 1
    assert Answer.objects.get(question__kind=QuestionKind.NPS).number == 9
    assert "jo vastannut" in client.get(url_for(invitation)).content.decode()


def test_a_closed_survey_takes_no_answers(client, invitation):
    invitation.survey.status = SurveyStatus.CLOSED
    invitation.survey.save()
    survey = invitation.survey
    assert client.post(url_for(invitation), as_post(survey, full_answers(survey))).status_code == 410
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (QuestionKind.NPS, ["11"], "from 0 to 10"),
        (QuestionKind.NPS, ["nine"], "from 0 to 10"),
        (QuestionKind.NPS, [], "needs an answer"),
        (QuestionKind.CSAT, ["0"], "from 1 to 5"),
        (QuestionKind.SCALE, ["8"], "from 1 to 7"),
        (QuestionKind.SINGLE, ["free-shipping"], "one of the options"),
        (QuestionKind.SINGLE, ["price", "service"], "one of the options"),
        (QuestionKind.MULTIPLE, ["price", "bribes"], "only among the options"),
        (QuestionKind.TEXT, ["x" * 5001], "at most 5000"),
    ],
)
def test_each_question_kind_rejects_bad_answers_with_its_own_error(client, kind, value, message):
    survey = make_survey()
    customer = consenting_customer("eino@example.fi", language="en")
    invitation = Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)
    answers = full_answers(survey, **{kind: value})
    response = client.post(url_for(invitation), as_post(survey, answers))
    assert response.status_code == 400
    page = response.content.decode()
    target = question(survey, kind)
    error_at = page.index(f'id="err-q{target.pk}"')
    assert message in page[error_at : error_at + 200]
    assert page.count('class="error"') == 1  # only the wrong question is marked
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_what_was_typed_survives_an_error(client, invitation):
    survey = invitation.survey
    answers = full_answers(survey, nps=[])
    page = client.post(url_for(invitation), as_post(survey, answers)).content.decode()
    assert "Friendly staff, slow delivery." in page
    assert 'value="price" checked' in page


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_store_one_response():
    survey = make_survey()
    customer = consenting_customer("race@example.fi")
    invitation = Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)
    answers = full_answers(survey)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    # Each thread holds the invitation as loaded before either submits, as two browser tabs would.
    loaded = [Invitation.objects.select_related("customer").get(pk=invitation.pk) for _ in range(2)]

    def submit(mine):
        try:
            barrier.wait(timeout=30)
            # The in-memory SQLite test database reports a lock at once instead of waiting for it; a locked
            # attempt changed nothing (its transaction rolled back), so it is tried again, to a deadline.
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                try:
                    actions.submit(survey, answers, language="en", invitation=mine)
                    outcomes.append("stored")
                    return
                except actions.AlreadyAnswered:
                    outcomes.append("already")
                    return
                except OperationalError:
                    time.sleep(random.random() * 0.05)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(mine,)) for mine in loaded]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already", "stored"]
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert Answer.objects.count() == survey.questions.count()
