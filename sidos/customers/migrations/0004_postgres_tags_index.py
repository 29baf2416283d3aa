"""PostgreSQL only: a GIN index so the tag filter (`tags @> '["vip"]'`, see search.has_tag) is indexed."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS customer_tags_gin ON customers_customer USING gin (tags jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_tags_gin")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_updated_at_index")]
    operations = [migrations.RunPython(create, drop)]
