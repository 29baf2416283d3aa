"""An index of every customer's tags, kept by the database's own triggers, with the list filters.

A tag filter over a million customers needs its matches found by tag: SQLite cannot index inside a
JSON list at all, and PostgreSQL's GIN index finds them but has to visit every matching table row
to recheck (173 ms to count "tag b2b in Sweden" up to the list's cap). The table holds one row per
(tag, customer) with the customer's kind, country, stage and marketing consent, so a tag list's
count reads this table alone (search.TaggedList). The database writes it on every insert, change
and delete of a customer, so every write path (actions, the imports' bulk inserts, merges) keeps
it right without knowing it is there.
"""

from django.db import migrations, models

TABLE = "customer_tag_index"
FILTERS = "kind, country, stage, marketing_email_consent"

SQLITE_NEW_TAGS = (
    f"INSERT OR IGNORE INTO {TABLE} SELECT tag.value, NEW.id, NEW.kind, NEW.country, NEW.stage, "
    "NEW.marketing_email_consent FROM json_each(NEW.tags) AS tag WHERE tag.type = 'text'"
)
COLUMNS = ["tags", "id", "kind", "country", "stage", "marketing_email_consent"]
SQLITE_CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in COLUMNS)
POSTGRES_CHANGED = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in COLUMNS)
# A customer's rows are found by its old tags and its id, through the primary key: no second index
# on customer_id for every import to update.
SQLITE_OLD_TAGS = (
    f"DELETE FROM {TABLE} WHERE customer_id = OLD.id "
    "AND tag IN (SELECT value FROM json_each(OLD.tags) WHERE type = 'text')"
)
SQLITE = [
    f"CREATE TABLE {TABLE} (tag TEXT NOT NULL, customer_id INTEGER NOT NULL, kind TEXT, country TEXT, "
    "stage TEXT, marketing_email_consent BOOL, PRIMARY KEY (tag, customer_id)) WITHOUT ROWID",
    # Nothing to do for a customer without tags (a third of them), nor for an update that rewrote
    # these columns with what they held (bulk updates set every column they list).
    "CREATE TRIGGER customer_tags_insert AFTER INSERT ON customers_customer WHEN NEW.tags <> '[]' "
    f"BEGIN {SQLITE_NEW_TAGS}; END",
    f"CREATE TRIGGER customer_tags_update AFTER UPDATE OF tags, id, {FILTERS} ON customers_customer "
    f"WHEN {SQLITE_CHANGED} BEGIN {SQLITE_OLD_TAGS}; {SQLITE_NEW_TAGS}; END",
    "CREATE TRIGGER customer_tags_delete AFTER DELETE ON customers_customer "
    f"WHEN OLD.tags <> '[]' BEGIN {SQLITE_OLD_TAGS}; END",
    f"INSERT OR IGNORE INTO {TABLE} SELECT tag.value, c.id, c.kind, c.country, c.stage, "
    "c.marketing_email_consent FROM customers_customer AS c, json_each(c.tags) AS tag WHERE tag.type = 'text'",
]

POSTGRES = [
    f"CREATE TABLE {TABLE} (tag text NOT NULL, customer_id integer NOT NULL, kind varchar(20), "
    f"country varchar(2), stage varchar(20), marketing_email_consent boolean, "
    f"PRIMARY KEY (tag, customer_id) INCLUDE ({FILTERS}))",
    f"""CREATE FUNCTION {TABLE}_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE {TABLE};
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF jsonb_typeof(OLD.tags) = 'array' THEN
                DELETE FROM {TABLE} WHERE customer_id = OLD.id AND tag IN (
                    SELECT element #>> '{{}}' FROM jsonb_array_elements(OLD.tags) AS element
                    WHERE jsonb_typeof(element) = 'string'
                );
            END IF;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND jsonb_typeof(NEW.tags) = 'array' THEN
            INSERT INTO {TABLE}
            SELECT tag #>> '{{}}', NEW.id, NEW.kind, NEW.country, NEW.stage, NEW.marketing_email_consent
            FROM jsonb_array_elements(NEW.tags) AS tag WHERE jsonb_typeof(tag) = 'string'
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER customer_tags_insert AFTER INSERT ON customers_customer FOR EACH ROW "
    f"WHEN (NEW.tags IS DISTINCT FROM '[]'::jsonb) EXECUTE FUNCTION {TABLE}_refresh()",
    f"CREATE TRIGGER customer_tags_update AFTER UPDATE OF tags, id, {FILTERS} ON customers_customer "
    f"FOR EACH ROW WHEN ({POSTGRES_CHANGED}) EXECUTE FUNCTION {TABLE}_refresh()",
    f"CREATE TRIGGER customer_tags_delete AFTER DELETE ON customers_customer "
    f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_refresh()",
    f"CREATE TRIGGER customer_tags_truncate AFTER TRUNCATE ON customers_customer "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refresh()",
    f"INSERT INTO {TABLE} SELECT DISTINCT tag #>> '{{}}', c.id, c.kind, c.country, c.stage, "
    "c.marketing_email_consent FROM customers_customer AS c, jsonb_array_elements(c.tags) AS tag "
    "WHERE jsonb_typeof(c.tags) = 'array' AND jsonb_typeof(tag) = 'string'",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return
    for trigger in ("insert", "update", "delete", "truncate"):
        on = " ON customers_customer" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS customer_tags_{trigger}{on}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    if vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_refresh()")


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_list_indexes_and_c_collation")]
    operations = [
        migrations.RunPython(create, drop),
        # The model that reads the table (models.CustomerTagIndex); managed by the statements above.
        migrations.CreateModel(
            name="CustomerTagIndex",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "tag", "customer", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("tag", models.TextField()),
                ("kind", models.CharField(max_length=20)),
                ("country", models.CharField(max_length=2)),
                ("stage", models.CharField(max_length=20)),
                ("marketing_email_consent", models.BooleanField(null=True)),
            ],
            options={"db_table": "customer_tag_index", "managed": False},
        ),
    ]
