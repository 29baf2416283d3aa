"""SQLite only: an index of every customer's tags, kept by triggers, so the tag filter is indexed.

SQLite cannot index inside a JSON list, so without this the filter read every row's tags: counting
"tag b2b in Sweden" up to the list's cap meant reading 100,000 rows. The table holds one row per
(tag, customer) and is written by the database itself on every insert, tag change and delete, so
every write path (actions, imports' bulk inserts, merges) keeps it right without knowing it is there.
PostgreSQL has its GIN index instead (migration 0004).
"""

from django.db import migrations

TABLE = "customer_tag_index"
TAGS_OF_NEW = "SELECT value, NEW.id FROM json_each(NEW.tags) WHERE type = 'text'"
STATEMENTS = [
    f"CREATE TABLE {TABLE} (tag TEXT NOT NULL, customer_id INTEGER NOT NULL, "
    "PRIMARY KEY (tag, customer_id)) WITHOUT ROWID",
    f"CREATE INDEX {TABLE}_customer ON {TABLE} (customer_id)",
    "CREATE TRIGGER customer_tags_insert AFTER INSERT ON customers_customer "
    f"BEGIN INSERT OR IGNORE INTO {TABLE} {TAGS_OF_NEW}; END",
    "CREATE TRIGGER customer_tags_update AFTER UPDATE OF tags, id ON customers_customer "
    f"BEGIN DELETE FROM {TABLE} WHERE customer_id = OLD.id; INSERT OR IGNORE INTO {TABLE} {TAGS_OF_NEW}; END",
    "CREATE TRIGGER customer_tags_delete AFTER DELETE ON customers_customer "
    f"BEGIN DELETE FROM {TABLE} WHERE customer_id = OLD.id; END",
    f"INSERT OR IGNORE INTO {TABLE} SELECT tag.value, customer.id FROM customers_customer AS customer, "
    "json_each(customer.tags) AS tag WHERE tag.type = 'text'",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in STATEMENTS:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for trigger in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS customer_tags_{trigger}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_list_indexes_and_c_collation")]
    operations = [migrations.RunPython(create, drop)]
