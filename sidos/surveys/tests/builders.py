"""Builders the survey tests share: a survey with one question of every kind, customers with consents."""

from sidos.customers.actions import record_consent
from sidos.customers.tests.webhelpers import make_customer
from sidos.surveys.models import Question, QuestionKind, Survey, SurveyStatus

CHOICES = [
    {"value": "price", "en": "Price", "fi": "Hinta", "sv": "Pris"},
    {"value": "service", "en": "Service", "fi": "Palvelu", "sv": "Service"},
    {"value": "range", "en": "Range", "fi": "Valikoima", "sv": "Sortiment"},
]


def make_survey(name: str = "Customer survey", *, slug: str = "", kinds=None, **fields) -> Survey:
    survey = Survey.objects.create(
        name=name,
        slug=slug or name.lower().replace(" ", "-"),
        status=fields.pop("status", SurveyStatus.OPEN),
        title={"en": f"{name}", "fi": f"{name} (fi)", "sv": f"{name} (sv)"},
        thank_you={"en": "Thanks a lot!", "fi": "Kiitos paljon!", "sv": "Tack så mycket!"},
        **fields,
    )
    texts = {
        QuestionKind.NPS: {
            "en": "How likely are you to recommend us?",
            "fi": "Kuinka todennäköisesti suosittelisit meitä?",
            "sv": "Hur troligt är det att du rekommenderar oss?",
        },
        QuestionKind.CSAT: {
            "en": "How satisfied are you?",
            "fi": "Kuinka tyytyväinen olet?",
            "sv": "Hur nöjd är du?",
        },
        QuestionKind.SINGLE: {
            "en": "What matters most?",
            "fi": "Mikä on tärkeintä?",
            "sv": "Vad är viktigast?",
        },
        QuestionKind.MULTIPLE: {"en": "What did you like?", "fi": "Mistä pidit?", "sv": "Vad tyckte du om?"},
        QuestionKind.SCALE: {
            "en": "How easy was ordering?",
            "fi": "Kuinka helppoa tilaaminen oli?",
            "sv": "Hur lätt var det att beställa?",
        },
        QuestionKind.TEXT: {"en": "Anything else?", "fi": "Muuta kerrottavaa?", "sv": "Något annat?"},
    }
    for position, kind in enumerate(kinds or list(texts)):
        Question.objects.create(
            survey=survey,
            position=position,
            kind=kind,
            required=kind != QuestionKind.TEXT,
            text=texts[kind],
            choices=CHOICES if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else [],
            scale_min=1,
            scale_max=7,
            min_label={"en": "Hard", "fi": "Vaikeaa"} if kind == QuestionKind.SCALE else {},
            max_label={"en": "Easy", "fi": "Helppoa"} if kind == QuestionKind.SCALE else {},
        )
    return survey


def question(survey: Survey, kind: str) -> Question:
    return survey.questions.get(kind=kind)


def consenting_customer(
    email: str, *, language: str = "en", marketing: bool | None = True, surveys=None, **fields
):
    customer = make_customer(email=email, language=language, **fields)
    if marketing is not None:
        record_consent(None, customer, channel="email", purpose="marketing", granted=marketing, source="test")
    if surveys is not None:
        record_consent(None, customer, channel="email", purpose="surveys", granted=surveys, source="test")
    customer.refresh_from_db()
    return customer


def full_answers(survey: Survey, **overrides) -> dict[int, list[str]]:
    """A valid answer to every question of make_survey(), as posted values per question id."""
    values = {
        QuestionKind.NPS: ["9"],
        QuestionKind.CSAT: ["4"],
        QuestionKind.SINGLE: ["service"],
        QuestionKind.MULTIPLE: ["price", "range"],
        QuestionKind.SCALE: ["6"],
        QuestionKind.TEXT: ["Friendly staff, slow delivery."],
        **overrides,
    }
    return {q.pk: values[q.kind] for q in survey.questions.all()}


def as_post(survey: Survey, answers: dict[int, list[str]]) -> dict:
    return {f"q{pk}": values for pk, values in answers.items()}
