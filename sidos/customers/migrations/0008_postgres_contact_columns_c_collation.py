"""PostgreSQL only: e-mail and phone in code-point order too, as search_name and search_surname (0006).

Under a linguistic collation PostgreSQL cannot read a `LIKE 'sanna.he%'` estimate from its
statistics, guesses 1 % of all customers, and then walks the whole name index for the first 50
(4.9 s). In the "C" collation the ordinary index serves the prefix as a range with a real estimate,
so the `…_like` pattern-ops copies Django made for db_index have nothing left to do.
Both columns hold ASCII in practice (normalised e-mail, E.164), so their order does not change.
"""

from django.db import migrations

COLUMNS = {"email": 254, "phone": 32}
TABLE = "customers_customer"


def _like_index(schema_editor, column: str) -> str:
    return schema_editor._create_index_name(TABLE, [column], suffix="_like")


def to_code_point_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, length in COLUMNS.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {_like_index(schema_editor, column)}")
        schema_editor.execute(f'ALTER TABLE {TABLE} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"')


def to_database_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, length in COLUMNS.items():
        schema_editor.execute(
            f'ALTER TABLE {TABLE} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "default"'
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_like_index(schema_editor, column)} "
            f"ON {TABLE} ({column} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_tag_index")]
    operations = [migrations.RunPython(to_code_point_order, to_database_order)]
