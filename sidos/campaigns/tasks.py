"""Background campaign work, run by `sidos worker` (Django Tasks)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from sidos.campaigns import sending

RETRY_AFTER = dt.timedelta(minutes=2)


@task()
def send_campaign(campaign_id: int) -> dict:
    """Send what is pending; after an SMTP outage, try again in two minutes (resumes where it stopped)."""
    result = sending.send_campaign(campaign_id)
    if result["outcome"] == "interrupted" and send_campaign.get_backend().supports_defer:
        send_campaign.using(run_after=timezone.now() + RETRY_AFTER).enqueue(campaign_id)
    return result
