"""The listening dashboard: volume and negative share over time, by topic and by language.

Counted in the database: one grouped query per table (a conditional count per taxonomy topic, since
topics live in a LIKE-able index column rather than a join table), whatever the number of posts.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

from sidos.listening import topics as taxonomy
from sidos.listening.models import ORIGINALS, Post, Sentiment

NEGATIVE = Q(sentiment=Sentiment.NEGATIVE)


@dataclass(frozen=True)
class Row:
    key: str
    total: int
    negative: int

    @property
    def negative_share(self) -> float:
        return self.negative / self.total if self.total else 0.0


def period_posts(days: int, source=None, now: dt.datetime | None = None):
    """Originals of the last `days` days (reshares are counted on their original, never twice)."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    posts = Post.objects.filter(ORIGINALS, posted_at__gte=since)
    return posts.filter(source=source) if source is not None else posts


def over_time(posts, by: str = "day") -> list[Row]:
    trunc = TruncWeek if by == "week" else TruncDay
    rows = (
        posts.annotate(bucket=trunc("posted_at"))
        .values("bucket")
        .annotate(total=Count("id"), negative=Count("id", filter=NEGATIVE))
        .order_by("bucket")
    )
    return [Row(r["bucket"].date().isoformat(), r["total"], r["negative"]) for r in rows]


def by_language(posts) -> list[Row]:
    rows = (
        posts.values("lang")
        .annotate(total=Count("id"), negative=Count("id", filter=NEGATIVE))
        .order_by("-total", "lang")
    )
    return [Row(r["lang"] or "—", r["total"], r["negative"]) for r in rows]


def by_topic(posts) -> list[Row]:
    ids = taxonomy.load().ids
    counts = {}
    for i, topic in enumerate(ids):
        has = Q(topic_index__contains=f",{topic},")
        counts[f"t{i}"] = Count("id", filter=has)
        counts[f"n{i}"] = Count("id", filter=has & NEGATIVE)
    result = posts.aggregate(**counts) if counts else {}
    rows = [Row(topic, result[f"t{i}"], result[f"n{i}"]) for i, topic in enumerate(ids)]
    return sorted((r for r in rows if r.total), key=lambda r: (-r.negative, -r.total, r.key))
