"""Response times per topic: from the post to its first answer, over the answered posts of a period."""

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from sidos.listening.models import ORIGINALS, Post, Sentiment

NO_TOPIC = "—"


@dataclass(frozen=True)
class TopicTimes:
    topic: str
    answered: int
    waiting: int  # negative posts of the period still without an answer
    median: dt.timedelta | None
    p90: dt.timedelta | None


def response_times(days: int = 90, now: dt.datetime | None = None) -> list[TopicTimes]:
    """One row per topic (a post with two topics counts in both), most answered first."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    rows = Post.objects.filter(ORIGINALS, sentiment=Sentiment.NEGATIVE, posted_at__gte=since).values_list(
        "topics", "posted_at", "first_answered_at"
    )
    waits: dict[str, list[float]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    for topics, posted_at, answered_at in rows.iterator(chunk_size=2000):
        for topic in topics or [NO_TOPIC]:
            if answered_at is None:
                waiting[topic] += 1
            else:
                waits[topic].append(max((answered_at - posted_at).total_seconds(), 0.0))
    result = []
    for topic in set(waits) | set(waiting):
        seconds = sorted(waits.get(topic, []))
        result.append(
            TopicTimes(
                topic=topic,
                answered=len(seconds),
                waiting=waiting.get(topic, 0),
                median=dt.timedelta(seconds=statistics.median(seconds)) if seconds else None,
                p90=dt.timedelta(seconds=seconds[min(len(seconds) - 1, int(0.9 * len(seconds)))])
                if seconds
                else None,
            )
        )
    return sorted(result, key=lambda row: (-row.answered, -row.waiting, row.topic))
