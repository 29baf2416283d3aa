"""Background work for analytics, run by `sidos worker` (Django Tasks).

Nightly scheduling: `sidos worker` enqueues recompute_scores at SIDOS_SCHEDULE_ANALYTICS (02:30 by
default; see sidos/accounts/scheduler.py). Or, with that set to "off", either of:

* cron on the server (no worker needed), e.g. at 02:30 every night:
      30 2 * * *  cd /srv/sidos && .venv/bin/sidos analytics-recompute --json >> var/analytics.log 2>&1
  (with the same SIDOS_* environment as the web app)
* or enqueue from cron / a scheduler and let `sidos worker` run it:
      .venv/bin/sidos shell -c \
          "from sidos.analytics.tasks import recompute_scores; recompute_scores.enqueue()"

A recompute that dies is simply run again: see actions.py for why that leaves no duplicates.
"""

from django_tasks import task

from sidos.lib.cells import parse_date


@task()
def recompute_scores(as_of: str | None = None, time_unit: str | None = None) -> dict:
    from sidos.analytics.actions import recompute

    run = recompute(
        as_of=parse_date(as_of) if as_of else None,
        time_unit=time_unit,
        actor="analytics task",
        channel="task",
    )
    return {"run": run.pk, "customers": run.customers, "flagged": run.flagged}
