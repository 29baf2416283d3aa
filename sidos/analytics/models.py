"""Stored analytics: one AnalyticsRun per recompute, one CustomerScore per customer and run.

Readers only ever look at the scores of the *current* run (AnalyticsRun.is_current). A recompute
writes a new run's scores next to the old ones and switches `is_current` in one transaction at the
very end, so a reader never sees half-written scores (see actions.recompute).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.analytics.reasons import reason_text
from sidos.analytics.rfm import Segment
from sidos.customers.models import Customer


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TimeUnit(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")


class AnalyticsRunQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True).first()


class AnalyticsRun(models.Model):
    as_of = models.DateField(_("as of"))
    time_unit = models.CharField(max_length=10, choices=TimeUnit.choices, default=TimeUnit.WEEK)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    is_current = models.BooleanField(default=False)
    # Fitted parameters and log-likelihoods per model, the churn weights, and the settings used.
    params = models.JSONField(default=dict, blank=True)
    # Aggregates the dashboard shows: segments, value distribution, cohort retention.
    report = models.JSONField(default=dict, blank=True)
    customers = models.PositiveIntegerField(default=0)
    customers_with_data = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AnalyticsRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_analytics_run"
            )
        ]

    def __str__(self) -> str:
        return f"analytics as of {self.as_of} ({self.status})"

    def counts(self) -> dict:
        """What a run covered, as plain data: for its audit entry and the command's JSON summary."""
        return {
            "as_of": self.as_of.isoformat(),
            "time_unit": self.time_unit,
            "customers": self.customers,
            "customers_with_data": self.customers_with_data,
            "orders": self.orders,
            "flagged": self.flagged,
        }


class CustomerScore(models.Model):
    # No index of its own: the unique (run, customer) constraint below starts with run and serves
    # every lookup by run; one index less to update for each of a million rows a recompute writes.
    run = models.ForeignKey(AnalyticsRun, on_delete=models.CASCADE, related_name="scores", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="analytics_scores")
    as_of = models.DateField()
    segment = models.CharField(max_length=30, choices=Segment.choices, default=Segment.NO_DATA)
    r_score = models.PositiveSmallIntegerField(null=True)
    f_score = models.PositiveSmallIntegerField(null=True)
    m_score = models.PositiveSmallIntegerField(null=True)
    purchases = models.PositiveIntegerField(default=0)  # distinct purchase days
    frequency = models.PositiveIntegerField(default=0)  # repeat purchase days
    recency = models.FloatField(null=True)  # t_x, in the run's time unit
    T = models.FloatField(null=True)  # noqa: N815 the literature's name
    days_since_last = models.PositiveIntegerField(null=True)
    first_purchase = models.DateField(null=True)
    last_purchase = models.DateField(null=True)
    monetary = models.DecimalField(max_digits=14, decimal_places=2, null=True)  # mean repeat purchase value
    revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True)  # net of refunds
    p_alive = models.FloatField(null=True)  # MBG/NBD
    p_alive_bgnbd = models.FloatField(null=True)
    expected_30 = models.FloatField(null=True)
    expected_90 = models.FloatField(null=True)
    expected_365 = models.FloatField(null=True)
    expected_spend = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    clv = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    value_decile = models.PositiveSmallIntegerField(null=True)
    churn_risk = models.FloatField(null=True)
    # The reason as a code and numbers, put into words in the reader's language (reasons.py).
    churn_reason_data = models.JSONField(null=True, blank=True)
    gap_ratio = models.FloatField(null=True)
    usual_gap_days = models.FloatField(null=True)
    flagged = models.BooleanField(default=False)
    worth_saving = models.BooleanField(default=False)
    value_at_risk = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="one_score_per_customer_and_run")
        ]
        indexes = [
            models.Index(fields=["run", "segment", "-clv"], name="score_segment_list"),
            models.Index(fields=["run", "flagged", "-value_at_risk"], name="score_at_risk_list"),
        ]

    def __str__(self) -> str:
        return f"scores of customer {self.customer_id} as of {self.as_of}"

    @property
    def churn_reason(self) -> str:
        """Why the customer is flagged, in the active language ("" when not flagged)."""
        return reason_text(self.churn_reason_data)


class BacktestReport(models.Model):
    """A stored backtest, so its page can be shown again without refitting."""

    calibration_end = models.DateField()
    holdout_end = models.DateField()
    time_unit = models.CharField(max_length=10, choices=TimeUnit.choices, default=TimeUnit.WEEK)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"backtest {self.calibration_end} → {self.holdout_end}"
