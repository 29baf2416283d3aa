"""List indexes that carry the list filters, and search keys in code-point order on PostgreSQL.

Every list order (name, surname search, country or stage then name, created, updated) has one index
that ends in the id and carries kind, country, stage and marketing consent (models.list_index): a
filtered page or a capped count tests index entries and fetches only the rows it shows. They
replace the narrower list indexes and the single-column indexes on created_at, updated_at and
search_surname, so an import updates no more indexes than before.

PostgreSQL: search_name and search_surname get the "C" collation, the order SQLite keeps them in.
A prefix is then one range of the ordinary indexes (customer_list_order, customer_country_list,
customer_stage_list, customer_surname_list), in list order, so "names starting with veet" reads 50
index entries instead of filtering the whole name index, and search.SearchResults can merge
branches in Python's string order. The pattern-ops indexes of migration 0002 for those columns have
nothing left to serve; those for e-mail and phone repeat the ones Django makes for db_index
(`…_like`). Dropping all four spares every import four index updates per row.
"""

import django.utils.timezone
from django.db import migrations, models

COLUMNS = {"search_name": 300, "search_surname": 200}
PATTERN_INDEXES = ["search_name", "search_surname", "email", "phone"]


def to_code_point_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in PATTERN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS customer_{column}_prefix")
    for column, length in COLUMNS.items():
        schema_editor.execute(
            f'ALTER TABLE customers_customer ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"'
        )


def to_database_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, length in COLUMNS.items():
        schema_editor.execute(
            f'ALTER TABLE customers_customer ALTER COLUMN {column} TYPE varchar({length}) COLLATE "default"'
        )
    for column in PATTERN_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS customer_{column}_prefix "
            f"ON customers_customer ({column} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_list_filter_indexes")]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customer_list_order"),
        migrations.RemoveIndex(model_name="customer", name="customer_country_list"),
        migrations.RemoveIndex(model_name="customer", name="customer_stage_list"),
        migrations.AlterField(
            model_name="customer",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="customer",
            name="search_surname",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AlterField(
            model_name="customer",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated"),
        ),
        # After the old indexes are gone and before the new ones: PostgreSQL rebuilds nothing twice.
        migrations.RunPython(to_code_point_order, to_database_order),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["search_name", "id", "kind", "country", "stage", "marketing_email_consent"],
                name="customer_list_order",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["country", "search_name", "id", "kind", "stage", "marketing_email_consent"],
                name="customer_country_list",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["stage", "search_name", "id", "kind", "country", "marketing_email_consent"],
                name="customer_stage_list",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=[
                    "search_surname",
                    "search_name",
                    "id",
                    "kind",
                    "country",
                    "stage",
                    "marketing_email_consent",
                ],
                name="customer_surname_list",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["created_at", "id", "kind", "country", "stage", "marketing_email_consent"],
                name="customer_created_list",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["updated_at", "id", "kind", "country", "stage", "marketing_email_consent"],
                name="customer_updated_list",
            ),
        ),
    ]
