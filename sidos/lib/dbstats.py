"""Keeping the query planner's statistics current after bulk loads.

Without statistics SQLite picks indexes by rule of thumb: after a million-row import a filter such
as country + stage walked the whole country index (over a second) instead of the stage index.

SQLite's ANALYZE runs in full. `PRAGMA analysis_limit` samples the first rows of each index, not a
random sample: on an index that starts with a column of few values (country, stage) those rows all
share one value, so it recorded "about 1,000 customers per country" and the planner then preferred
walking the 790,000 Finnish customers to a 2,000-row name range (seconds instead of milliseconds).
A full ANALYZE of a million customers takes under a second.
"""

from django.db import connection, models

# Big enough that small imports don't pay for it, small enough that a first big load gets it.
ANALYZE_AFTER_ROWS = 10_000


def refresh_statistics(*tables: type[models.Model]) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
