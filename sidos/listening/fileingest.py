"""A file of posts into the ingest; each row goes to its source (--source, the row's, or the file's name)."""

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sidos.listening import actions
from sidos.listening.models import SourceKind
from sidos.listening.records import read_posts


def source_name_for(file_name: str) -> str:
    return Path(file_name).stem or "file"


def ingest_file(
    stream: BinaryIO, name: str, *, source: str = "", on_batch: Callable[[int], None] | None = None
) -> actions.IngestSummary:
    """Raises UnreadableFile when the file cannot be read at all (nothing is stored then)."""
    rows = read_posts(stream, name)
    default = source or source_name_for(name)
    total = actions.IngestSummary()
    pending: dict[str, list] = {}
    sources = {}

    def flush(source_name: str) -> None:
        if source_name not in sources:
            sources[source_name] = actions.get_or_create_source(source_name, SourceKind.FILE)
        part = actions.ingest_records(sources[source_name], pending.pop(source_name), on_batch=on_batch)
        _add(total, part)

    for row_source, record in rows:
        # --source wins over the row: "put this file into that source" is what the operator asked for.
        key = source or row_source or default
        pending.setdefault(key, []).append(record)
        if len(pending[key]) >= actions.BATCH_SIZE:
            flush(key)
    for key in list(pending):
        flush(key)
    return total


def _add(total: actions.IngestSummary, part: actions.IngestSummary) -> None:
    for field in (
        "records",
        "created",
        "updated",
        "unchanged",
        "reshares",
        "rejected",
        "truncated",
        "linked",
        "negative",
    ):
        setattr(total, field, getattr(total, field) + getattr(part, field))
    total.problems.extend(part.problems)
