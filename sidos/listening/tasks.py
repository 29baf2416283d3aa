"""Background listening work, run by `sidos worker` (Django Tasks)."""

from django_tasks import task


@task()
def poll_sources() -> dict:
    """One poll of every enabled network source, as `sidos listening-poll` does; run by `sidos worker`."""
    from sidos.listening.polling import poll_all

    return poll_all().as_dict()
