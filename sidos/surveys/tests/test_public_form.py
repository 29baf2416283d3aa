"""The embeddable feedback form: its signed form token, the honeypot, the rate limit, languages."""

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from sidos.customers.models import TimelineEvent
from sidos.surveys import tokens
from sidos.surveys.models import Response
from sidos.surveys.tests.builders import as_post, full_answers, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return make_survey("Feedback", public_form=True)


def post(client, survey, extra=None, **overrides):
    data = {**as_post(survey, full_answers(survey, **overrides)), "form_token": tokens.form_token(survey.pk)}
    return client.post(reverse("survey_public:form", args=[survey.slug]), {**data, **(extra or {})})


def test_it_stores_an_anonymous_response(client, survey):
    response = post(client, survey)
    assert response.status_code == 200 and "Thanks a lot!" in response.content.decode()
    stored = Response.objects.get()
    assert stored.customer is None and stored.channel == "form"
    assert not TimelineEvent.objects.filter(kind="survey").exists()


def test_it_can_be_embedded_in_another_site(client, survey):
    response = client.get(reverse("survey_public:form", args=[survey.slug]))
    assert "X-Frame-Options" not in response.headers
    assert 'name="form_token"' in response.content.decode()


def test_it_works_without_a_csrf_cookie_but_not_without_its_signed_token(survey):
    client = Client(enforce_csrf_checks=True)
    assert post(client, survey).status_code == 200
    url = reverse("survey_public:form", args=[survey.slug])
    forged = client.post(url, {**as_post(survey, full_answers(survey)), "form_token": "made-up"})
    assert forged.status_code == 400
    other_survey = make_survey("Other", public_form=True)
    wrong = client.post(
        url, {**as_post(survey, full_answers(survey)), "form_token": tokens.form_token(other_survey.pk)}
    )
    assert wrong.status_code == 400
    assert Response.objects.count() == 1


def test_a_stale_form_token_is_refused(client, survey, settings, monkeypatch):
    settings.SIDOS_SURVEY_FORM_TOKEN_HOURS = 12
    issued = time.time() - 13 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    stale = tokens.form_token(survey.pk)
    monkeypatch.undo()
    url = reverse("survey_public:form", args=[survey.slug])
    assert client.post(url, {**as_post(survey, full_answers(survey)), "form_token": stale}).status_code == 400
    assert Response.objects.count() == 0


def test_the_honeypot_looks_like_success_and_stores_nothing(client, survey):
    response = post(client, survey, extra={"website": "http://spam.example"})
    assert response.status_code == 200 and "Thanks a lot!" in response.content.decode()
    assert Response.objects.count() == 0


def test_it_limits_posts_per_address_per_hour(client, survey, settings):
    settings.SIDOS_FEEDBACK_FORM_PER_HOUR = 3
    codes = [post(client, survey).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert Response.objects.count() == 3
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post(other, survey).status_code == 200


def test_it_shows_errors_per_question(client, survey):
    response = post(client, survey, csat=["9"])
    assert response.status_code == 400
    assert "Choose a number from 1 to 5." in response.content.decode()
    assert Response.objects.count() == 0


def test_it_speaks_the_language_asked_for(client, survey):
    url = reverse("survey_public:form", args=[survey.slug])
    assert "Kuinka tyytyväinen olet?" in client.get(url + "?lang=fi").content.decode()
    assert "Hur nöjd är du?" in client.get(url, HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9").content.decode()
    assert "How satisfied are you?" in client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_a_survey_without_a_public_form_has_none(client):
    survey = make_survey("Private", public_form=False)
    assert client.get(reverse("survey_public:form", args=[survey.slug])).status_code == 404
