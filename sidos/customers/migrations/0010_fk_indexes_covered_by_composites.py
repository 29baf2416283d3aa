"""Contact points and consents lose their single-column customer index (models.py says why).

Django's AlterField would rebuild both tables on SQLite (copying every row) to drop an index; this
drops just the index, found by its columns, on SQLite and PostgreSQL alike, and the reverse creates
it again under Django's own name.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("customers_contactpoint", "customers_consent")


def _customer_indexes(schema_editor, table: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == ["customer_id"]
    ]


def drop_indexes(apps, schema_editor):
    for table in TABLES:
        for name in _customer_indexes(schema_editor, table):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for model_name in ("ContactPoint", "Consent"):
        model = apps.get_model("customers", model_name)
        if not _customer_indexes(schema_editor, model._meta.db_table):
            field = model._meta.get_field("customer")
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_name_list_index_carries_the_surname"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consent",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consents",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="contactpoint",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_points",
                        to="customers.customer",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
