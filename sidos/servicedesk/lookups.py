"""Per-run caches for rows every new ticket reads the same: the default queue, the SLA policies.

An ingest run opens thousands of tickets in a minute; reading the same queue and policy rows for each
was a fifth of its statements. The cache lives only inside `cached()` (the mail-ingest command enters
it once per run), so a queue or policy an admin changes mid-run applies from the next run on, and
nothing is cached across requests or between runs.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_cache: ContextVar[dict | None] = ContextVar("servicedesk_lookups", default=None)


@contextmanager
def cached() -> Iterator[None]:
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def get(key, load: Callable):
    """load() once per run inside cached(); on every call outside it."""
    cache = _cache.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]
