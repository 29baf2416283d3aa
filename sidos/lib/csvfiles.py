"""Reading the CSV files people export from spreadsheets and other systems.

Handles UTF-8 with or without BOM (and falls back to Windows-1252, which Excel still writes),
comma or semicolon separators, CRLF or LF, quoted multi-line fields and blank lines.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

SNIFF_BYTES = 64 * 1024


class UnreadableFile(ValueError):
    """The file as a whole cannot be read: nothing is imported from it."""


@dataclass(frozen=True)
class Record:
    line: int  # the physical line the record starts on, 1-based, header is line 1
    values: dict[str, str]


@dataclass(frozen=True)
class RecordError:
    line: int
    reason: str


def _choose_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _choose_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def normalise_header(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def resolve_headers(raw_headers: list[str], aliases: dict[str, str]) -> list[str]:
    """Map each header to its canonical column name; unknown headers keep their own (trimmed) name.

    `aliases` maps normalised spellings (see normalise_header) to canonical names.
    """
    resolved = []
    for raw in raw_headers:
        key = normalise_header(raw)
        resolved.append(aliases.get(key, raw.strip()))
    duplicates = {name for name in resolved if resolved.count(name) > 1}
    if duplicates:
        raise UnreadableFile(f"header names a column twice: {', '.join(sorted(duplicates))}")
    return resolved


def read_records(
    stream: BinaryIO, aliases: dict[str, str], required_any: set[str] | None = None
) -> tuple[list[str], Iterator[Record | RecordError]]:
    """Return (columns, records). Records stream lazily; a bad row becomes a RecordError.

    Raises UnreadableFile when there is no header or the header lacks every column in required_any.
    """
    head = stream.read(SNIFF_BYTES)
    encoding = _choose_encoding(head)
    rest = stream  # read lazily after the sniffed head
    text = io.TextIOWrapper(
        io.BufferedReader(_Rejoined(head, rest), buffer_size=SNIFF_BYTES),
        encoding=encoding,
        newline="",
        errors="strict",
    )
    try:
        first_line = text.readline()
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"the file is not text: {error}")
    if not first_line.strip():
        raise UnreadableFile("the file is empty or has no header row")
    delimiter = _choose_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter))
    columns = resolve_headers(header, aliases)
    if required_any and not required_any & set(columns):
        raise UnreadableFile(
            f"header has none of the columns {', '.join(sorted(required_any))}; it has: {', '.join(header)}"
        )
    return columns, _records(text, columns, delimiter)


def _records(text: io.TextIOWrapper, columns: list[str], delimiter: str) -> Iterator[Record | RecordError]:
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    width = len(columns)
    line = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RecordError(line, f"malformed CSV: {error}")
            return
        except UnicodeDecodeError as error:
            yield RecordError(line, f"undecodable bytes: {error.reason}")
            return
        start, line = line, reader.line_num + 2
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != width:
            yield RecordError(start, f"expected {width} columns, found {len(row)}")
            continue
        yield Record(start, dict(zip(columns, row, strict=True)))


class _Rejoined(io.RawIOBase):
    """A readable stream that first replays the sniffed head, then the rest of the source."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        chunk = self._rest.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def write_rows(stream, columns: list[str], rows) -> int:
    """Write dict rows as RFC 4180 CSV (comma, CRLF, UTF-8 without BOM). Returns the count."""
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
