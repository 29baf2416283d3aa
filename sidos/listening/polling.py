"""Polling the network sources: fetch past the stored cursor, ingest, then move the cursor.

The cursor moves only after the posts it covers are stored, so a crash or a failed batch means the same
posts are fetched again next time (and deduplicated), never skipped. A source that fails backs off
exponentially (1, 2, 4, ... minutes, at most 6 hours; longer if it asked for that with Retry-After), and
one failing source never stops the others.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from importlib import import_module

from django.utils import timezone

from sidos.listening import actions
from sidos.listening.connectors.base import Connector, ConnectorError
from sidos.listening.models import NETWORK_KINDS, Source

log = logging.getLogger(__name__)

FIRST_BACKOFF = dt.timedelta(minutes=1)
MAX_BACKOFF = dt.timedelta(hours=6)


def connector_for(kind: str) -> Connector:
    """The connector of a kind: the package's registry if it has one, else the kind's folder's Connector."""
    from sidos.listening import connectors

    registry = getattr(connectors, "get", None)
    if registry is not None:
        return registry(kind)
    found = import_module(f"sidos.listening.connectors.{kind}").Connector
    return found() if isinstance(found, type) else found


def backoff_for(failures: int, retry_after: float | None) -> dt.timedelta:
    """After the n-th failure in a row (n >= 1); a longer Retry-After from the source wins."""
    exponential = min(FIRST_BACKOFF * 2 ** min(failures - 1, 20), MAX_BACKOFF)
    asked = dt.timedelta(seconds=retry_after) if retry_after else dt.timedelta(0)
    return max(exponential, asked)


@dataclass
class SourceResult:
    source: str
    status: str  # polled / failed / backing_off
    error: str = ""
    backoff_until: dt.datetime | None = None
    ingest: actions.IngestSummary | None = None

    def as_dict(self) -> dict:
        data = {"source": self.source, "status": self.status}
        if self.error:
            data["error"] = self.error
        if self.backoff_until:
            data["backoff_until"] = self.backoff_until.isoformat()
        if self.ingest:
            data.update({k: v for k, v in self.ingest.as_dict().items() if k != "problems"})
            data["problems"] = self.ingest.problems[:20]
        return data


@dataclass
class PollSummary:
    sources: list[SourceResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for result in self.sources if result.status == status)

    def as_dict(self) -> dict:
        created = sum(r.ingest.created for r in self.sources if r.ingest)
        rejected = sum(r.ingest.rejected for r in self.sources if r.ingest)
        return {
            "polled": self.count("polled"),
            "failed": self.count("failed"),
            "backing_off": self.count("backing_off"),
            "created": created,
            "rejected": rejected,
            "sources": [result.as_dict() for result in self.sources],
        }

    @property
    def exit_code(self) -> int:
        if not self.count("polled"):
            return 2 if self.count("failed") or not self.sources else 0
        rejected = any(r.ingest and r.ingest.rejected for r in self.sources)
        return 1 if self.count("failed") or rejected else 0


def network_sources(name: str = ""):
    sources = Source.objects.filter(kind__in=NETWORK_KINDS, enabled=True).order_by("name")
    return sources.filter(name=name) if name else sources


def poll_all(name: str = "", now: dt.datetime | None = None) -> PollSummary:
    summary = PollSummary()
    for source in network_sources(name):
        summary.sources.append(poll_source(source, now))
    return summary


def poll_source(source: Source, now: dt.datetime | None = None) -> SourceResult:
    now = now or timezone.now()
    if source.backoff_until and source.backoff_until > now:
        return SourceResult(source.name, "backing_off", source.last_error, source.backoff_until)
    try:
        result = connector_for(source.kind).fetch(dict(source.config), dict(source.cursor))
        ingest = actions.ingest_records(source, result.records)
    except ConnectorError as error:
        return _failed(source, str(error), error.retry_after, now)
    except Exception as error:  # a connector bug or a database error: this source backs off, others go on
        log.exception("listening: polling %s failed", source.name)
        return _failed(source, f"{type(error).__name__}: {error}", None, now)
    ingest.problems[:0] = [f"{source.name}: {problem}" for problem in result.problems]
    actions.record_poll_success(source, result.cursor, now, result.retry_after)
    return SourceResult(source.name, "polled", backoff_until=source.backoff_until, ingest=ingest)


def _failed(source: Source, message: str, retry_after: float | None, now) -> SourceResult:
    backoff = backoff_for(source.failures + 1, retry_after)
    actions.record_poll_failure(source, message, now, backoff)
    log.warning(
        "listening: %s failed (%s in a row), next try after %s: %s",
        source.name,
        source.failures,
        source.backoff_until,
        message,
    )
    return SourceResult(source.name, "failed", message, source.backoff_until)
