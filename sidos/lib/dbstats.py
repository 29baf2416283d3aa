"""Keeping the query planner's statistics current after bulk loads.

Without statistics SQLite picks indexes by rule of thumb: after a million-row import a filter such
as country + stage walked the whole country index (over a second) instead of the stage index.
"""

from django.db import connection, models

# Big enough that small imports don't pay for it, small enough that a first big load gets it.
ANALYZE_AFTER_ROWS = 10_000


def refresh_statistics(*tables: type[models.Model]) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Sample at most ~1000 rows per index: approximate statistics in milliseconds, not minutes.
            cursor.execute("PRAGMA analysis_limit=1000")
        for model in tables:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
