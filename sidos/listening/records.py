"""Reading posts from a file: JSONL (one object a line) or CSV, into PostRecords for the ingest.

Columns and keys (the issue's list): id, source, author_handle, author_name, text, lang, created_at, url,
reply_to, reshare_of, like_count, reshare_count. A few spellings are accepted for each (see ALIASES); other
columns are kept in the post's raw fields. A line that cannot be read becomes an InvalidRecord naming its
line and field, so the ingest reports it and goes on.
"""

import io
import json
from collections.abc import Iterator
from typing import BinaryIO
from zoneinfo import ZoneInfo

from django.conf import settings

from sidos.lib.cells import InvalidCell, parse_datetime
from sidos.lib.csvfiles import RecordError, UnreadableFile, normalise_header, read_records
from sidos.listening.connectors.base import PostRecord
from sidos.listening.validation import InvalidRecord

ALIASES = {
    "id": "id",
    "external id": "id",
    "post id": "id",
    "source": "source",
    "author handle": "author_handle",
    "handle": "author_handle",
    "author": "author_handle",
    "user": "author_handle",
    "author name": "author_name",
    "name": "author_name",
    "text": "text",
    "content": "text",
    "body": "text",
    "lang": "lang",
    "language": "lang",
    "created at": "created_at",
    "created": "created_at",
    "date": "created_at",
    "time": "created_at",
    "url": "url",
    "link": "url",
    "reply to": "reply_to",
    "in reply to": "reply_to",
    "reshare of": "reshare_of",
    "reblog of": "reshare_of",
    "repost of": "reshare_of",
    "retweet of": "reshare_of",
    "like count": "like_count",
    "likes": "like_count",
    "favourites": "like_count",
    "reshare count": "reshare_count",
    "reshares": "reshare_count",
    "reblogs": "reshare_count",
    "reposts": "reshare_count",
    "retweets": "reshare_count",
}
FIELDS = set(ALIASES.values())


class Line(InvalidRecord):
    def __init__(self, line: int, field: str, reason: str):
        super().__init__(field, reason)
        self.line = line


def detect_format(name: str, head: bytes) -> str:
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{") else "csv"


def read_posts(stream: BinaryIO, name: str) -> Iterator[tuple[str, PostRecord | InvalidRecord]]:
    """(source name from the row or "", record) pairs. Raises UnreadableFile when nothing can be read."""
    buffered = io.BufferedReader(stream) if not hasattr(stream, "peek") else stream
    head = buffered.peek(4096)[:4096]
    if detect_format(name, head) == "jsonl":
        return _jsonl(buffered)
    columns, rows = read_records(buffered, ALIASES, required_any={"text"})
    if "id" not in columns:
        raise UnreadableFile(f"header has no id column; it has: {', '.join(columns)}")
    return _csv(rows)


def _jsonl(stream: BinaryIO) -> Iterator[tuple[str, PostRecord | InvalidRecord]]:
    zone = ZoneInfo(settings.TIME_ZONE)
    for number, raw_line in enumerate(stream, start=1):
        line = raw_line.strip()
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if not line:
            continue
        try:
            data = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            yield "", Line(number, "line", f"not JSON: {error}")
            continue
        if not isinstance(data, dict):
            yield "", Line(number, "line", "not a JSON object")
            continue
        values = {ALIASES.get(normalise_header(str(k)), str(k)): v for k, v in data.items()}
        yield _to_record(number, values, zone)


def _csv(rows) -> Iterator[tuple[str, PostRecord | InvalidRecord]]:
    zone = ZoneInfo(settings.TIME_ZONE)
    for row in rows:
        if isinstance(row, RecordError):
            yield "", Line(row.line, "line", row.reason)
            continue
        yield _to_record(row.line, row.values, zone)


def _to_record(line: int, values: dict, zone: ZoneInfo) -> tuple[str, PostRecord | InvalidRecord]:
    source = str(values.get("source") or "").strip()
    try:
        created = values.get("created_at")
        if not created:
            raise Line(line, "created_at", "missing")
        try:
            created_at = parse_datetime(str(created), zone)
        except InvalidCell as error:
            raise Line(line, "created_at", str(error))
        counts = {}
        for field in ("like_count", "reshare_count"):
            value = values.get(field)
            if value in (None, ""):
                counts[field] = 0
                continue
            try:
                counts[field] = int(str(value).strip())
            except ValueError:
                raise Line(line, field, f"not a whole number: {str(value)[:40]!r}")
        text = values.get("text")
        record = PostRecord(
            external_id=_text(values.get("id")),
            text=text if isinstance(text, str) else "",
            created_at=created_at,
            author_handle=_text(values.get("author_handle")),
            author_name=_text(values.get("author_name")),
            url=_text(values.get("url")),
            lang=_text(values.get("lang")) or None,
            reply_to=_text(values.get("reply_to")),
            reshare_of=_text(values.get("reshare_of")),
            raw={"_line": line, **{k: v for k, v in values.items() if k not in FIELDS}},
            **counts,
        )
    except Line as error:
        return source, error
    return source, record


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)[:500]
    return str(value).strip()
