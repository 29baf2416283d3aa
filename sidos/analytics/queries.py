"""What the pages and the API read: always the current run's scores."""

from sidos.analytics.models import AnalyticsRun, CustomerScore


def current_run() -> AnalyticsRun | None:
    return AnalyticsRun.objects.current()


def current_scores():
    return CustomerScore.objects.filter(run__is_current=True)


def at_risk(worth_saving: bool = False):
    """Flagged customers, most value at risk first (the "worth saving" list when asked)."""
    scores = current_scores().filter(flagged=True)
    if worth_saving:
        scores = scores.filter(worth_saving=True)
    return scores.order_by("-value_at_risk", "customer_id")


def scores_for(customer) -> CustomerScore | None:
    customer_id = getattr(customer, "pk", customer)
    return current_scores().filter(customer_id=customer_id).first()
