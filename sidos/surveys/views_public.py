"""The customer's side, without a login: the page of a mailed invitation and the embeddable feedback form."""

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from sidos.surveys import actions, answering, tokens
from sidos.surveys.models import (
    LANGUAGES,
    FormAttempt,
    Invitation,
    QuestionKind,
    Survey,
    SurveyStatus,
    localized,
)

HONEYPOT = "website"


def _questions(survey: Survey, language: str, posted=None, errors=None) -> list[dict]:
    """What the template shows per question, in the customer's language, with what they posted back."""
    rows = []
    for question in survey.questions.all():
        name = f"q{question.pk}"
        chosen = set(posted.getlist(name)) if posted is not None else set()
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            options = [(value, question.choice_label(value, language)) for value in question.choice_values()]
        elif question.kind == QuestionKind.TEXT:
            options = []
        else:
            low, high = question.bounds
            options = [(str(value), str(value)) for value in range(low, high + 1)]
        low_label, high_label = (
            localized(question.min_label, language),
            localized(question.max_label, language),
        )
        if question.kind == QuestionKind.NPS:
            low_label = low_label or _("Not at all likely")
            high_label = high_label or _("Extremely likely")
        elif question.kind == QuestionKind.CSAT:
            low_label = low_label or _("Very dissatisfied")
            high_label = high_label or _("Very satisfied")
        rows.append(
            {
                "question": question,
                "name": name,
                "text": localized(question.text, language),
                "options": options,
                "chosen": chosen,
                "typed": posted.get(name, "") if posted is not None else "",
                "low_label": low_label,
                "high_label": high_label,
                "error": (errors or {}).get(question.pk, ""),
            }
        )
    return rows


def _page(request, template: str, language: str, context: dict, status: int = 200):
    with override(language):
        return render(request, f"surveys/public/{template}", {"language": language, **context}, status=status)


def _answer_page(request, survey: Survey, language: str, posted, errors, **extra):
    """The questions to answer, with what was typed and the errors when a post was refused (status 400)."""
    context = {
        "survey": survey,
        "title": survey.title_in(language),
        "intro": localized(survey.intro, language),
        "questions": _questions(survey, language, posted, errors),
        "errors": errors,
        **extra,
    }
    return _page(request, "answer.html", language, context, 400 if errors else 200)


def _message(request, language: str, title: str, status: int):
    return _page(request, "message.html", language, {"title": title}, status)


def answer(request, token: str):
    try:
        key = tokens.key_from(token)
    except signing.SignatureExpired:
        return _message(request, get_language(), _("This link has expired."), 410)
    except signing.BadSignature:
        return _message(request, get_language(), _("This link is not valid."), 400)
    invitation = get_object_or_404(Invitation.objects.select_related("survey", "customer"), key=key)
    survey = invitation.survey
    language = actions.language_for(invitation.customer)
    with override(language):
        if invitation.answered_at is not None:
            return _message(request, language, _("You have already answered this survey. Thank you!"), 200)
        if survey.status != SurveyStatus.OPEN:
            return _message(request, language, _("This survey is closed."), 410)
        errors, posted = {}, None
        if request.method == "POST":
            posted = request.POST
            questions = list(survey.questions.all())
            try:
                actions.submit(
                    survey,
                    answering.from_post(questions, request.POST),
                    language=language,
                    invitation=invitation,
                )
            except actions.AlreadyAnswered:
                return _message(
                    request, language, _("You have already answered this survey. Thank you!"), 409
                )
            except actions.InvalidAnswers as invalid:
                errors = invalid.checked.errors
            else:
                return _thanks(request, survey, language)
        return _answer_page(request, survey, language, posted, errors)


def _thanks(request, survey: Survey, language: str):
    text = localized(survey.thank_you, language) or _("Thank you for your answers!")
    return _page(request, "message.html", language, {"title": text, "thanks": True})


def _form_language(request) -> str:
    wanted = request.GET.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code.lower()[:2] in LANGUAGES:
            return code.lower()[:2]
    return "en"


def _client_hash(request) -> str:
    # Keyed with the secret: the rate limit has to tell clients apart, not to know who they are.
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:survey-form:{address}".encode()).hexdigest()


def _rate_limited(client: str) -> bool:
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    FormAttempt.objects.filter(created_at__lt=hour_ago - dt.timedelta(days=1)).delete()
    return FormAttempt.objects.filter(client_hash=client, created_at__gte=hour_ago).count() >= (
        settings.SIDOS_FEEDBACK_FORM_PER_HOUR
    )


@csrf_exempt  # the signed form token below does the job of the CSRF cookie, which an embedding site blocks
@xframe_options_exempt  # made to be embedded in the company's own pages
def feedback_form(request, slug: str):
    survey = get_object_or_404(Survey, slug=slug, public_form=True)
    if survey.status != SurveyStatus.OPEN:
        raise Http404("closed")
    language = _form_language(request)
    with override(language):
        errors, posted = {}, None
        if request.method == "POST":
            client = _client_hash(request)
            if _rate_limited(client):
                return _message(
                    request, language, _("Too many answers from your address. Try again later."), 429
                )
            FormAttempt.objects.create(client_hash=client)
            if not tokens.form_token_valid(request.POST.get("form_token", ""), survey.pk):
                return _message(
                    request, language, _("The form has expired. Reload the page and try again."), 400
                )
            if request.POST.get(HONEYPOT):
                # A bot filled the hidden field: look like success, store nothing.
                return _thanks(request, survey, language)
            posted = request.POST
            questions = list(survey.questions.all())
            try:
                actions.submit(survey, answering.from_post(questions, request.POST), language=language)
            except actions.InvalidAnswers as invalid:
                errors = invalid.checked.errors
            else:
                return _thanks(request, survey, language)
        extra = {"form_token": tokens.form_token(survey.pk), "honeypot": HONEYPOT}
        return _answer_page(request, survey, language, posted, errors, **extra)
