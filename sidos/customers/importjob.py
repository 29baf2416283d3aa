"""Running a CSV import: batches, atomicity, the error report, the summary and progress.

The importers (customers/importing.py, orders/importing.py) only turn a batch of records into
writes; this module gives every import the same guarantees:
- each batch of rows (SIDOS_IMPORT_BATCH_SIZE) commits atomically, so a crash leaves whole batches
  and a re-run finishes the job without duplicates (rows match what the earlier run wrote);
- a dry run does everything inside one transaction and rolls it back;
- every rejected row is reported with its line, field and reason, in a CSV error report.
"""

import csv
import gc
import io
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sidos.customers.models import ImportRun, ImportStatus
from sidos.lib.csvfiles import Record, RecordError, UnreadableFile, read_records
from sidos.lib.dbstats import ANALYZE_AFTER_ROWS, refresh_statistics
from sidos.privacy import audit
from sidos.privacy.models import AuditAction


@dataclass
class RowProblem:
    line: int
    field: str
    reason: str
    values: dict[str, str] = field(default_factory=dict)


class RowRejected(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


class BatchImporter(Protocol):
    kind: str
    aliases: dict[str, str]
    identity_columns: set[str]
    tables: tuple  # the models a big import fills, whose planner statistics are refreshed after it

    def import_batch(self, records: list[Record]) -> BatchOutcome: ...


@dataclass
class ImportSummary:
    import_id: int | None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: str | None = None
    dry_run: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0


class _CountingReader(io.RawIOBase):
    def __init__(self, source: BinaryIO, on_bytes: Callable[[int], None] | None):
        self._source = source
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        if self._on_bytes and chunk:
            self._on_bytes(len(chunk))
        return chunk

    def readinto(self, buffer) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _batches(records: Iterable[Record | RecordError], size: int):
    batch: list[Record] = []
    problems: list[RowProblem] = []
    for item in records:
        if isinstance(item, RecordError):
            problems.append(RowProblem(item.line, "", item.reason))
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch, problems
            batch, problems = [], []
    if batch or problems:
        yield batch, problems


class ErrorReport:
    """Rejected rows as CSV: line, field, reason, then the row's own columns as read."""

    def __init__(self, path: Path, columns: list[str]):
        self.path = path
        self.columns = columns
        self._file = None
        self._writer = None

    def add(self, problems: list[RowProblem]) -> None:
        if not problems:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file, lineterminator="\r\n")
            self._writer.writerow(["line", "field", "reason", *self.columns])
        for problem in sorted(problems, key=lambda p: p.line):
            self._writer.writerow(
                [
                    problem.line,
                    problem.field,
                    problem.reason,
                    *(problem.values.get(c, "") for c in self.columns),
                ]
            )

    def close(self) -> str | None:
        if self._file is None:
            return None
        self._file.close()
        return str(self.path)


def run_import(
    importer: BatchImporter,
    stream: BinaryIO,
    filename: str,
    *,
    actor=None,
    dry_run: bool = False,
    channel: str = "cli",
    on_bytes: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import a CSV stream. Raises UnreadableFile (nothing done) when the file as a whole is unusable."""
    run = ImportRun.objects.create(
        kind=importer.kind,
        filename=filename[:300],
        user=actor if getattr(actor, "is_authenticated", False) else None,
        dry_run=dry_run,
    )
    summary = ImportSummary(import_id=run.pk, dry_run=dry_run)
    try:
        columns, records = read_records(
            _CountingReader(stream, on_bytes), importer.aliases, required_any=importer.identity_columns
        )
    except UnreadableFile as error:
        _finish(run, summary, ImportStatus.FAILED, str(error))
        raise
    report = ErrorReport(Path(settings.VAR_DIR) / "imports" / f"import-{run.pk}-errors.csv", columns)
    batch_size = settings.SIDOS_IMPORT_BATCH_SIZE
    try:
        with _import_page_cache():
            if dry_run:
                with transaction.atomic():
                    _import_batches(importer, records, batch_size, summary, report)
                    transaction.set_rollback(True)
            else:
                _import_batches(importer, records, batch_size, summary, report)
    except Exception as error:
        summary.errors = report.close()
        _finish(run, summary, ImportStatus.FAILED, f"stopped after {summary.rows} rows: {error}")
        raise
    summary.errors = report.close()
    if not dry_run and summary.created + summary.updated >= ANALYZE_AFTER_ROWS:
        refresh_statistics(*importer.tables)
    status = ImportStatus.DONE_WITH_ERRORS if summary.rejected else ImportStatus.DONE
    _finish(run, summary, status, "")
    if not dry_run:
        audit.record(
            actor,
            AuditAction.IMPORT,
            f"{importer.kind}_import",
            run.pk,
            channel=channel,
            summary=f"{filename}: {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.rejected} rejected",
        )
    return summary


@contextmanager
def _import_page_cache():
    """A bigger SQLite page cache for this connection while it imports, the app's own afterwards.

    A customer table of a million rows has its indexes spread over a gigabyte; with the app's 64 MB
    cache most index pages an insert touches are read back from the file first. The cache is a
    ceiling, not an allocation: it grows with the pages the import touches, and shrinking it back
    frees them, so a long-running worker does not keep the import's memory.
    """
    mib = settings.SIDOS_IMPORT_SQLITE_CACHE_MIB
    if connection.vendor != "sqlite" or mib <= 0:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{int(mib) * 1024}")  # negative: KiB, not pages
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(before)}")


# Rows parsed, matched and written at a time inside an import's transaction: bounds the memory an
# import holds and the length of its lookups' IN lists, whatever the transaction size.
CHUNK_ROWS = 2000


def _import_batches(importer, records, batch_size, summary: ImportSummary, report: ErrorReport) -> None:
    """One transaction per `batch_size` rows, each written CHUNK_ROWS at a time.

    Rejected rows and counts are taken into the report and summary only once their transaction has
    committed, so after a crash both describe exactly what is in the database.
    """
    # Every chunk keeps thousands of objects alive, so the collector's full passes come often, and each
    # walks every object in the process (Django, the app, its libraries). Frozen for the import, those
    # are out of its sight: a full pass walks the import's own objects only. Unfrozen afterwards, they
    # are collectable again, so nothing leaks from a long-running worker.
    gc.freeze()
    try:
        _import_chunks(importer, _batches(records, min(batch_size, CHUNK_ROWS)), batch_size, summary, report)
    finally:
        gc.unfreeze()


def _import_chunks(importer, chunks, batch_size, summary: ImportSummary, report: ErrorReport) -> None:
    finished = False
    while not finished:
        finished = True
        outcome, read, rows = BatchOutcome(), 0, 0
        with transaction.atomic():
            for batch, reading_problems in chunks:
                part = importer.import_batch(batch) if batch else BatchOutcome()
                outcome.created += part.created
                outcome.updated += part.updated
                outcome.unchanged += part.unchanged
                outcome.problems += reading_problems + part.problems
                read += len(batch) + len(reading_problems)
                rows += len(batch)
                if rows >= batch_size:
                    finished = False
                    break
        report.add(outcome.problems)
        summary.rows += read
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.unchanged += outcome.unchanged
        summary.rejected += len(outcome.problems)


def _finish(run: ImportRun, summary: ImportSummary, status: str, message: str) -> None:
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.rows, run.created, run.updated = summary.rows, summary.created, summary.updated
    run.unchanged, run.rejected = summary.unchanged, summary.rejected
    run.errors_path = summary.errors or ""
    run.save()
