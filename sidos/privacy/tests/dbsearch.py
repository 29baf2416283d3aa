"""Search every column of every table of the test database for strings, whatever the column's type."""

import contextlib
import json

from django.db import connection


def _texts(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, memoryview | bytes | bytearray):
        return [bytes(value).decode("utf-8", "replace")]
    if isinstance(value, dict | list):  # a JSON column the driver decoded (PostgreSQL)
        return [json.dumps(value, ensure_ascii=False)]
    text = str(value)
    found = [text]
    if text[:1] in '[{"':
        # JSON stored as text with non-ASCII escaped (SQLite): compare the decoded spelling too.
        with contextlib.suppress(ValueError):
            found.append(json.dumps(json.loads(text), ensure_ascii=False))
    return found


def find_everywhere(needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every cell of the database that contains a needle (ignoring case)."""
    lowered = [needle.lower() for needle in needles]
    hits = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        assert len(tables) > 30, tables  # the search really covers the schema
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [description[0] for description in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    for text in _texts(value):
                        text = text.lower()
                        hits.extend((table, column, needle) for needle in lowered if needle in text)
    return sorted(set(hits))
