"""Public posts from social sources, the webcare work on them, and the trained sentiment models."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.customers.models import Customer

MAX_TEXT_CHARS = 5000  # longer texts are cut (and flagged): nobody reads a 1 MB "post" in a queue


class SourceKind(models.TextChoices):
    FILE = "file", _("File")
    RSS = "rss", _("RSS/Atom feed")
    MASTODON = "mastodon", _("Mastodon")
    BLUESKY = "bluesky", _("Bluesky")


NETWORK_KINDS = (SourceKind.RSS, SourceKind.MASTODON, SourceKind.BLUESKY)


class Source(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices)
    # What the connector needs (instance, hashtags, feed URL...); see each connector's docstring.
    config = models.JSONField(default=dict, blank=True)
    # Opaque to us: the connector's own position, stored only after the batch it ends is stored.
    cursor = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)  # consecutive; drives the exponential back-off
    backoff_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def network(self) -> str:
        """The network whose handles the authors are: a file names it in its config, else any."""
        if self.kind == SourceKind.FILE:
            return str(self.config.get("network", ""))
        return self.kind


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class WebcareStatus(models.TextChoices):
    NEW = "new", _("New")
    ANSWERED = "answered", _("Answered")
    IGNORED = "ignored", _("Ignored")
    TICKET = "ticket", _("Ticket made")


# An original post: reshares are stored too, but counted on their original and never listed or counted twice.
ORIGINALS = models.Q(reshare_of__isnull=True, reshare_of_external="")


class Post(models.Model):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="posts")
    external_id = models.CharField(max_length=500)
    author_handle = models.CharField(_("author"), max_length=200, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(_("text"))
    text_truncated = models.BooleanField(default=False)
    lang = models.CharField(_("language"), max_length=8, blank=True)
    posted_at = models.DateTimeField(_("posted"))
    url = models.URLField(max_length=1000, blank=True)
    reply_to = models.CharField(max_length=500, blank=True)  # the answered post's external id
    # A reshare points at its original; while the original is unknown, only its external id is kept.
    reshare_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reshares"
    )
    reshare_of_external = models.CharField(max_length=500, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    reshare_count = models.PositiveIntegerField(default=0)
    # Interactions per hour of the post's age when last counted: how fast it is spreading.
    velocity = models.FloatField(default=0.0)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    p_negative = models.FloatField(null=True, blank=True)
    classifier = models.CharField(max_length=50, blank=True)
    classifier_version = models.CharField(max_length=50, blank=True)
    topics = models.JSONField(default=list, blank=True)
    # ",cards_and_payments,fees_and_pricing,": the topic filter as a plain LIKE, which both databases
    # run (SQLite has no JSON containment lookup). Kept in step with topics by set_topics().
    topic_index = models.CharField(max_length=500, blank=True, editable=False)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="social_posts"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WebcareStatus.choices, default=WebcareStatus.NEW
    )
    first_answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="social_posts"
    )
    raw = models.JSONField(default=dict, blank=True)
    ingested_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-posted_at", "-id"]
        permissions = [("work_webcare", "Can work the webcare queue")]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="post_once_per_source"),
        ]
        indexes = [
            # The webcare queue: negative originals by status, fastest-spreading or newest first.
            models.Index(
                fields=["status", "-velocity", "-posted_at", "id"],
                name="post_queue_spreading",
                condition=models.Q(sentiment="negative", reshare_of__isnull=True, reshare_of_external=""),
            ),
            models.Index(
                fields=["status", "-posted_at", "id"],
                name="post_queue_newest",
                condition=models.Q(sentiment="negative", reshare_of__isnull=True, reshare_of_external=""),
            ),
            models.Index(fields=["customer", "-posted_at"], name="post_per_customer"),
            models.Index(fields=["source", "reshare_of_external"], name="post_waiting_reshares"),
        ]

    def __str__(self) -> str:
        return f"{self.author_handle}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("listening:post", args=[self.pk])

    def set_topics(self, topics) -> None:
        self.topics = sorted({str(topic).strip()[:50] for topic in topics if str(topic).strip()})
        self.topic_index = ("," + ",".join(self.topics) + ",")[:500] if self.topics else ""

    @property
    def response_time(self):
        return self.first_answered_at - self.posted_at if self.first_answered_at else None


class PostCorrection(models.Model):
    """An agent's relabel: what retraining learns from (the post's own label changes with it)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="corrections")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    topics = models.JSONField(null=True, blank=True)  # None: topics not corrected
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"correction of post {self.post_id}"


class TrainedModel(models.Model):
    classifier = models.CharField(max_length=50)
    created_at = models.DateTimeField(default=timezone.now)
    examples = models.PositiveIntegerField(default=0)
    corrections = models.PositiveIntegerField(default=0)
    # The development-set evaluation: {"negative": {precision, recall, f1}, "by_lang": {...}, ...}.
    evaluation = models.JSONField(default=dict)
    is_active = models.BooleanField(default=False)
    # The class whose load() reads `state` back ("sidos.listening.classifiers.model.ModelClassifier").
    loader = models.CharField(max_length=200)
    state = models.BinaryField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["classifier"], condition=models.Q(is_active=True), name="one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.classifier} #{self.pk}"

    @property
    def version(self) -> str:
        return f"trained-{self.pk}"


class SocialHandle(models.Model):
    """A customer's account on a network; posts by it are linked to the customer at ingest."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="social_handles")
    network = models.CharField(max_length=20, choices=SourceKind.choices[1:])
    handle = models.CharField(max_length=200)  # normalised: see actions.normalise_handle
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "handle"], name="handle_once_per_network")]
        indexes = [models.Index(fields=["handle"], name="handle_any_network")]

    def __str__(self) -> str:
        return f"{self.network}:{self.handle}"
