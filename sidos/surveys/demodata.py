"""The demo's survey: every question kind, answered by a tenth of the demo customers over half a year."""

import datetime as dt
import random

from django.utils import timezone

from sidos.customers.models import Customer
from sidos.surveys import actions
from sidos.surveys.models import (
    Invitation,
    InvitationStatus,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
)

SLUG = "customer-survey"
SEED = 2026
CHOICES = [
    {"value": "price", "en": "Price", "fi": "Hinta", "sv": "Pris"},
    {"value": "service", "en": "Customer service", "fi": "Asiakaspalvelu", "sv": "Kundservice"},
    {"value": "delivery", "en": "Delivery", "fi": "Toimitus", "sv": "Leverans"},
    {"value": "range", "en": "Range", "fi": "Valikoima", "sv": "Sortiment"},
]
QUESTIONS = [
    (
        QuestionKind.NPS,
        True,
        {
            "en": "How likely are you to recommend us to a friend?",
            "fi": "Kuinka todennäköisesti suosittelisit meitä ystävällesi?",
            "sv": "Hur troligt är det att du rekommenderar oss till en vän?",
        },
    ),
    (
        QuestionKind.CSAT,
        True,
        {
            "en": "How satisfied are you with us overall?",
            "fi": "Kuinka tyytyväinen olet meihin kaiken kaikkiaan?",
            "sv": "Hur nöjd är du med oss totalt sett?",
        },
    ),
    (
        QuestionKind.SINGLE,
        False,
        {
            "en": "What matters most to you?",
            "fi": "Mikä on sinulle tärkeintä?",
            "sv": "Vad är viktigast för dig?",
        },
    ),
    (
        QuestionKind.MULTIPLE,
        False,
        {"en": "What did we do well?", "fi": "Missä onnistuimme?", "sv": "Vad gjorde vi bra?"},
    ),
    (
        QuestionKind.SCALE,
        False,
        {
            "en": "How easy was ordering?",
            "fi": "Kuinka helppoa tilaaminen oli?",
            "sv": "Hur lätt var det att beställa?",
        },
    ),
    (
        QuestionKind.TEXT,
        False,
        {
            "en": "What should we do better?",
            "fi": "Mitä meidän pitäisi tehdä paremmin?",
            "sv": "Vad borde vi göra bättre?",
        },
    ),
]
COMMENTS = [
    "Toimitus kesti liian kauan.",
    "Ystävällinen ja nopea palvelu!",
    "Leveransen var snabb, tack.",
    "The website was hard to use on my phone.",
    "Hinnat ovat nousseet liikaa.",
    "",
]


def _survey() -> Survey:
    survey = Survey.objects.create(
        name="Customer survey",
        slug=SLUG,
        status=SurveyStatus.OPEN,
        public_form=True,
        title={"en": "How are we doing?", "fi": "Miten onnistumme?", "sv": "Hur lyckas vi?"},
        intro={
            "en": "Five quick questions about your experience with us.",
            "fi": "Viisi nopeaa kysymystä kokemuksistasi kanssamme.",
            "sv": "Fem snabba frågor om din upplevelse av oss.",
        },
        thank_you={
            "en": "Thank you for your answers!",
            "fi": "Kiitos vastauksistasi!",
            "sv": "Tack för dina svar!",
        },
    )
    for position, (kind, required, text) in enumerate(QUESTIONS):
        Question.objects.create(
            survey=survey,
            position=position,
            kind=kind,
            required=required,
            text=text,
            choices=CHOICES if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else [],
            scale_min=1,
            scale_max=7,
            min_label={"en": "Very hard", "fi": "Todella vaikeaa", "sv": "Mycket svårt"},
            max_label={"en": "Very easy", "fi": "Todella helppoa", "sv": "Mycket lätt"},
        )
    return survey


def load_survey(customers: list[Customer]) -> dict:
    """Once: a second run finds the survey and changes nothing."""
    if Survey.objects.filter(slug=SLUG).exists():
        return {"responses": 0, "present": True}
    survey = _survey()
    questions = {question.kind: question.pk for question in survey.questions.all()}
    rng = random.Random(SEED)
    now = timezone.now()
    answered = 0
    for customer in rng.sample(customers, min(len(customers), max(len(customers) // 10, 1))):
        invitation = Invitation.objects.create(
            survey=survey, customer=customer, status=InvitationStatus.SENT, sent_at=now
        )
        if rng.random() > 0.6:
            continue
        loyal = customer.stage in ("favouring", "commitment", "satisfaction")
        nps = min(10, max(0, round(rng.gauss(8.5 if loyal else 6.5, 2))))
        posted = {
            questions[QuestionKind.NPS]: [str(nps)],
            questions[QuestionKind.CSAT]: [str(min(5, max(1, round(nps / 2))))],
            questions[QuestionKind.SINGLE]: [rng.choice(CHOICES)["value"]],
            questions[QuestionKind.MULTIPLE]: [c["value"] for c in CHOICES if rng.random() < 0.4],
            questions[QuestionKind.SCALE]: [str(rng.randint(3, 7))],
            questions[QuestionKind.TEXT]: [rng.choice(COMMENTS)],
        }
        response = actions.submit(
            survey, posted, language=actions.language_for(customer), invitation=invitation
        )
        # Spread over the last half year, so the trends have something to show.
        Response.objects.filter(pk=response.pk).update(
            submitted_at=now - dt.timedelta(days=rng.randint(0, 180))
        )
        answered += 1
    return {"responses": answered, "present": False}
