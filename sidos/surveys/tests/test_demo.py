"""The demo survey: loaded once, answered through the same action as a customer's answers."""

import pytest

from sidos.customers.models import Customer, TimelineEvent
from sidos.customers.tests.webhelpers import make_customer
from sidos.surveys import demodata, results
from sidos.surveys.models import QuestionKind, Response, Survey

pytestmark = pytest.mark.django_db


def test_the_demo_survey_is_answered_and_loaded_once():
    for number in range(60):
        make_customer(first_name=f"Demo{number}", email=f"demo{number}@example.fi", language="fi")
    first = demodata.load_survey(list(Customer.objects.all()))
    assert first["present"] is False and first["responses"] == Response.objects.count() > 0
    assert TimelineEvent.objects.filter(kind="survey").count() == first["responses"]
    survey = Survey.objects.get(slug=demodata.SLUG)
    nps = results.scored_question(survey.questions.get(kind=QuestionKind.NPS))
    assert nps["count"] == first["responses"]
    assert demodata.load_survey(list(Customer.objects.all())) == {"responses": 0, "present": True}
    assert Response.objects.count() == first["responses"]
