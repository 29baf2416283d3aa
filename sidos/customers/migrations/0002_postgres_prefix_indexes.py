"""PostgreSQL only: indexes that serve `LIKE 'prefix%'` whatever the database collation (see search.py).

SQLite answers prefix search with range scans on the ordinary indexes, so it needs none of these.
"""

from django.db import migrations

COLUMNS = ["search_name", "search_surname", "email", "phone"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS customer_{column}_prefix "
            f"ON customers_customer ({column} varchar_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS customer_{column}_prefix")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
