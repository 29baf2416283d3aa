"""The name-order list index carries the surname too (models.Customer.Meta)."""

from django.db import migrations, models


def refresh_statistics(apps, schema_editor):
    # The planners pick among the new list indexes by their statistics; without them SQLite guesses
    # (see sidos/lib/dbstats.py), so a database migrated from 0005 gets them at once, not at the
    # next big import.
    schema_editor.execute("ANALYZE customers_customer")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_postgres_contact_columns_c_collation"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_list_order",
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=[
                    "search_name",
                    "id",
                    "kind",
                    "country",
                    "stage",
                    "marketing_email_consent",
                    "search_surname",
                ],
                name="customer_list_order",
            ),
        ),
        migrations.RunPython(refresh_statistics, migrations.RunPython.noop),
    ]
