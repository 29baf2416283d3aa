"""Checking a customer's answers against the questions: clean values, or an error per question."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from sidos.surveys.models import Question, QuestionKind

MAX_TEXT = 5000


@dataclass
class Checked:
    values: dict[int, dict] = field(default_factory=dict)  # question id -> Answer field values
    errors: dict[int, str] = field(default_factory=dict)  # question id -> message

    @property
    def ok(self) -> bool:
        return not self.errors


def _number(question: Question, raw: list[str]) -> tuple[dict | None, str]:
    low, high = question.bounds
    try:
        value = int(raw[0].strip())
    except (ValueError, IndexError):
        return None, _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}
    if not low <= value <= high:
        return None, _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return {"number": value}, ""


def _single(question: Question, raw: list[str]) -> tuple[dict | None, str]:
    if len(raw) != 1 or raw[0] not in question.choice_values():
        return None, _("Choose one of the options.")
    return {"choice": raw[0]}, ""


def _multiple(question: Question, raw: list[str]) -> tuple[dict | None, str]:
    allowed = question.choice_values()
    if any(value not in allowed for value in raw):
        return None, _("Choose only among the options.")
    # Kept in the question's order, once each, so that exports and counts do not depend on the browser.
    return {"choices": [value for value in allowed if value in raw]}, ""


def _text(question: Question, raw: list[str]) -> tuple[dict | None, str]:
    text = "\n".join(raw).strip()
    if len(text) > MAX_TEXT:
        return None, _("Write at most %(count)s characters.") % {"count": MAX_TEXT}
    return {"text": text}, ""


CHECKS = {
    QuestionKind.NPS: _number,
    QuestionKind.CSAT: _number,
    QuestionKind.SCALE: _number,
    QuestionKind.SINGLE: _single,
    QuestionKind.MULTIPLE: _multiple,
    QuestionKind.TEXT: _text,
}


def check(questions: list[Question], submitted: dict[int, list[str]]) -> Checked:
    """submitted: question id -> the raw values posted for it (a list: checkboxes post several)."""
    result = Checked()
    for question in questions:
        raw = [value for value in submitted.get(question.pk, []) if value.strip()]
        if not raw:
            if question.required:
                result.errors[question.pk] = _("This question needs an answer.")
            continue
        values, error = CHECKS[question.kind](question, raw)
        if error:
            result.errors[question.pk] = error
        else:
            result.values[question.pk] = values
    return result


def from_post(questions: list[Question], post) -> dict[int, list[str]]:
    """The posted values per question from a form whose fields are named q<id>."""
    return {question.pk: post.getlist(f"q{question.pk}") for question in questions}
