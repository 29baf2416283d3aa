"""Results against figures worked out by hand, and a fixed number of queries however many answers."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.surveys import actions, results
from sidos.surveys.models import Invitation, InvitationStatus, QuestionKind, Response
from sidos.surveys.tests.builders import consenting_customer, make_survey, question

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")
OCTOBER = dt.datetime(2026, 10, 28, 12, 0, tzinfo=HELSINKI)  # week of Monday 26 October
NOVEMBER = dt.datetime(2026, 11, 18, 12, 0, tzinfo=HELSINKI)  # week of Monday 16 November

# NPS 10 10 9 | 8 7 | 6 2: 3 promoters, 2 passives, 2 detractors of 7 -> 100 * 1/7 = 14.3
# CSAT 5 4 4 | 3 1 2 (+ one without): mean 19/6 = 3.17, satisfied 3/6 = 50.0 %
ROWS = [
    # nps, csat, single, multiple, text, stage, language, when, segment
    (10, 5, "service", ["price", "range"], "Great service", "commitment", "fi", OCTOBER, "champions"),
    (10, 4, "service", ["price"], "", "commitment", "fi", OCTOBER, "champions"),
    (9, 4, "price", [], "", "commitment", "sv", OCTOBER, "at_risk"),
    (8, 3, "service", [], "Slow delivery", "trial", "en", OCTOBER, None),
    (7, 1, None, [], "", "trial", "fi", NOVEMBER, "at_risk"),
    (6, 2, None, [], "", "trial", "fi", NOVEMBER, None),
    (2, None, None, [], "Never again", "trial", "en", NOVEMBER, None),
]


def answer_survey(survey, rows=ROWS, prefix="r"):
    run, _created = AnalyticsRun.objects.get_or_create(
        is_current=True, defaults={"as_of": dt.date(2026, 11, 30)}
    )
    kinds = {q.kind: q.pk for q in survey.questions.all()}
    for number, (nps, csat, single, multiple, text, stage, language, when, segment) in enumerate(rows):
        customer = consenting_customer(f"{prefix}{number}@example.fi", language=language, stage=stage)
        invitation = Invitation.objects.create(survey=survey, customer=customer, status=InvitationStatus.SENT)
        posted = {kinds[QuestionKind.NPS]: [str(nps)], kinds[QuestionKind.TEXT]: [text]}
        posted[kinds[QuestionKind.CSAT]] = [str(csat)] if csat else []
        posted[kinds[QuestionKind.SINGLE]] = [single] if single else []
        posted[kinds[QuestionKind.MULTIPLE]] = multiple
        response = actions.submit(survey, posted, language=language, invitation=invitation)
        Response.objects.filter(pk=response.pk).update(submitted_at=when)
        if segment:
            CustomerScore.objects.create(run=run, customer=customer, as_of=run.as_of, segment=segment)


def results_survey(name="Customer survey"):
    kinds = [
        QuestionKind.NPS,
        QuestionKind.CSAT,
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        QuestionKind.TEXT,
    ]
    survey = make_survey(name, kinds=kinds)
    survey.questions.exclude(kind=QuestionKind.NPS).update(required=False)
    return survey


@pytest.fixture
def survey():
    return results_survey()


def test_nps_is_promoters_minus_detractors(survey, settings):
    settings.TIME_ZONE = "Europe/Helsinki"
    answer_survey(survey)
    nps = results.scored_question(question(survey, QuestionKind.NPS))
    assert (nps["count"], nps["promoters"], nps["passives"], nps["detractors"]) == (7, 3, 2, 2)
    assert nps["nps"] == Decimal("14.3")
    assert (nps["promoters_pct"], nps["detractors_pct"]) == (Decimal("42.9"), Decimal("28.6"))
    assert dict(nps["distribution"])[10] == 2 and dict(nps["distribution"])[0] == 0


def test_csat_is_the_mean_and_the_share_of_four_and_five(survey):
    answer_survey(survey)
    csat = results.scored_question(question(survey, QuestionKind.CSAT))
    assert (csat["count"], csat["mean"], csat["satisfied"], csat["satisfied_pct"]) == (
        6,
        Decimal("3.17"),
        3,
        Decimal("50.0"),
    )


def test_trends_by_week_and_month(survey, settings):
    settings.TIME_ZONE = "Europe/Helsinki"
    answer_survey(survey)
    nps = results.scored_question(question(survey, QuestionKind.NPS))
    weeks = [(row["period"].date(), row["count"], row["nps"]) for row in nps["trends"]["week"]]
    # October: 10 10 9 8 -> 3 promoters of 4 = 75.0; November: 7 6 2 -> 2 detractors of 3 = -66.7
    assert weeks == [
        (dt.date(2026, 10, 26), 4, Decimal("75.0")),
        (dt.date(2026, 11, 16), 3, Decimal("-66.7")),
    ]
    months = [(row["period"].date(), row["count"]) for row in nps["trends"]["month"]]
    assert months == [(dt.date(2026, 10, 1), 4), (dt.date(2026, 11, 1), 3)]
    csat_months = results.scored_question(question(survey, QuestionKind.CSAT))["trends"]["month"]
    # October 5 4 4 3 -> 4.00 and 75.0 %; November 1 2 -> 1.50 and 0.0 %
    assert [(r["mean"], r["satisfied_pct"]) for r in csat_months] == [
        (Decimal("4.00"), Decimal("75.0")),
        (Decimal("1.50"), Decimal("0.0")),
    ]


def test_breakdowns_by_stage_language_and_rfm_segment(survey):
    answer_survey(survey)
    breakdowns = results.scored_question(question(survey, QuestionKind.NPS))["breakdowns"]
    by_stage = {row["group"]: (row["count"], row["nps"]) for row in breakdowns["stage"]}
    # commitment 10 10 9 -> 100.0; trial 8 7 6 2 -> 2 detractors of 4 -> -50.0
    assert by_stage == {"commitment": (3, Decimal("100.0")), "trial": (4, Decimal("-50.0"))}
    by_language = {row["group"]: row["count"] for row in breakdowns["language"]}
    assert by_language == {"en": 2, "fi": 4, "sv": 1}
    by_segment = {row["group"]: (row["count"], row["nps"]) for row in breakdowns["segment"]}
    # champions 10 10 -> 100.0; at_risk 9 7 -> 50.0; no score 8 6 2 -> -66.7
    assert by_segment == {
        "": (3, Decimal("-66.7")),
        "at_risk": (2, Decimal("50.0")),
        "champions": (2, Decimal("100.0")),
    }


def test_choice_distributions(survey):
    answer_survey(survey)
    single = results.choice_question(question(survey, QuestionKind.SINGLE), "fi")
    assert single["respondents"] == 4
    assert [(c["label"], c["count"], c["pct"]) for c in single["choices"]] == [
        ("Hinta", 1, Decimal("25.0")),
        ("Palvelu", 3, Decimal("75.0")),
        ("Valikoima", 0, Decimal("0.0")),
    ]
    multiple = results.choice_question(question(survey, QuestionKind.MULTIPLE), "en")
    assert multiple["respondents"] == 2
    assert [(c["value"], c["count"], c["pct"]) for c in multiple["choices"]] == [
        ("price", 2, Decimal("100.0")),
        ("service", 0, Decimal("0.0")),
        ("range", 1, Decimal("50.0")),
    ]


def test_free_text_gets_the_listening_sentiment_and_topics(survey):
    # The real classifier and taxonomy of the listening app (its shipped model; no trained one is active).
    answer_survey(survey)
    text = results.free_text(question(survey, QuestionKind.TEXT))
    assert text["classified"] is True
    texts = [row["answer"].text for row in text["answers"]]
    assert texts == ["Never again", "Slow delivery", "Great service"]
    assert [row["sentiment"] for row in text["answers"]] == ["negative", "negative", "positive"]
    assert "speed_and_queues" in text["answers"][1]["topics"]
    assert ("speed_and_queues", 1) in text["negative_topics"]


def test_the_results_page_makes_the_same_queries_for_few_and_many_answers(client, analyst):
    client.force_login(analyst)
    few = results_survey("Few")
    answer_survey(few, ROWS[:2], prefix="few")
    many = results_survey("Many")
    answer_survey(many, ROWS * 4, prefix="many")

    def count(survey):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("surveys:results", args=[survey.pk])).status_code == 200
        return len(queries)

    assert count(few) == count(many)
    assert count(many) <= 60
