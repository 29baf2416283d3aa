"""Surveys, their questions, who was invited, and the answers that came back."""

import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.customers.models import Customer
from sidos.orders.models import Order

# The languages a survey is written in; the customer's language picks one, English is the fallback.
LANGUAGES = ("fi", "sv", "en")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Trigger(models.TextChoices):
    MANUAL = "manual", _("Sent by staff")
    PURCHASE = "purchase", _("After a purchase")
    TICKET = "ticket", _("After a resolved ticket")


class QuestionKind(models.TextChoices):
    NPS = "nps", _("Net promoter score (0–10)")
    CSAT = "csat", _("Satisfaction (1–5)")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    TEXT = "text", _("Free text")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for its send time")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    SKIPPED = "skipped", _("Not sent")


class ResponseChannel(models.TextChoices):
    INVITATION = "invitation", _("Invitation link")
    PUBLIC_FORM = "form", _("Public feedback form")


def localized(texts: dict, language: str) -> str:
    """The text in `language`, else English, else whichever language has one."""
    texts = texts or {}
    for code in (language, "en", *LANGUAGES):
        if texts.get(code):
            return texts[code]
    return ""


class Survey(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("public address"), max_length=80, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    # {"fi": …, "sv": …, "en": …}: what the customer reads, in their language.
    title = models.JSONField(_("title"), default=dict, blank=True)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    thank_you = models.JSONField(_("thank-you text"), default=dict, blank=True)
    public_form = models.BooleanField(_("public feedback form"), default=False)
    trigger = models.CharField(_("sent"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    trigger_delay_hours = models.PositiveIntegerField(
        _("delay after the purchase or ticket (hours)"), default=24
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("send_survey", "Can invite customers to a survey"),
            ("export_survey_answers", "Can export a survey's answers"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("surveys:results", args=[self.pk])

    def title_in(self, language: str) -> str:
        return localized(self.title, language) or self.name


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(_("required"), default=True)
    text = models.JSONField(_("question"), default=dict)
    # Choice questions: [{"value": "price", "fi": "Hinta", "sv": "Pris", "en": "Price"}, …]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # Scale questions: the ends of the scale and what they mean ({"fi": …} each).
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=5)
    min_label = models.JSONField(_("label of the low end"), default=dict, blank=True)
    max_label = models.JSONField(_("label of the high end"), default=dict, blank=True)

    class Meta:
        ordering = ["survey", "position", "id"]

    def __str__(self) -> str:
        return localized(self.text, "en")

    @property
    def bounds(self) -> tuple[int, int]:
        if self.kind == QuestionKind.NPS:
            return 0, 10
        if self.kind == QuestionKind.CSAT:
            return 1, 5
        return self.scale_min, self.scale_max

    def choice_values(self) -> list[str]:
        return [str(choice.get("value", "")) for choice in self.choices]

    def choice_label(self, value: str, language: str) -> str:
        for choice in self.choices:
            if str(choice.get("value")) == value:
                return localized(choice, language) or value
        return value


def new_key() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """One customer asked to answer one survey, by a mailed link; at most one per survey and customer."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="survey_invitations")
    # Random and stored; a link carries it in a signed token, so links are neither guessable nor forged.
    key = models.CharField(max_length=32, unique=True, default=new_key)
    channel = models.CharField(max_length=10, default="email")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    skip_reason = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "customer"], name="one_invitation_per_customer")
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="invitation_due")]

    def __str__(self) -> str:
        return f"{self.survey} → customer {self.customer_id}"


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Unique: the database, not a check before the insert, is what stops a second answer to one invitation.
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="response"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    channel = models.CharField(max_length=12, choices=ResponseChannel.choices)
    language = models.CharField(max_length=8)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["survey", "submitted_at"], name="response_by_time")]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.survey}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)  # nps, csat, scale
    choice = models.CharField(max_length=100, blank=True)  # single choice
    choices = models.JSONField(default=list, blank=True)  # multiple choice
    text = models.TextField(blank=True)  # free text

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")
        ]
        indexes = [models.Index(fields=["question", "number"], name="answer_by_number")]

    def __str__(self) -> str:
        return f"answer to question {self.question_id}"

    def display(self, language: str = "en") -> str:
        if self.number is not None:
            return str(self.number)
        if self.choice:
            return self.question.choice_label(self.choice, language)
        if self.choices:
            return ", ".join(self.question.choice_label(value, language) for value in self.choices)
        return self.text


class FormAttempt(models.Model):
    """One post to a public feedback form, by a keyed hash of the client's address, for the rate limit."""

    client_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client_hash", "created_at"], name="form_attempt_client")]

    def __str__(self) -> str:
        return f"form post at {self.created_at}"
