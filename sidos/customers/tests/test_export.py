import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sidos.customers.models import Customer
from sidos.customers.tests.importhelpers import run_command
from sidos.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

SOURCE = (
    "customer_id;type;first_name;last_name;name;email;phone;street;postal_code;city;country;language;birth_date;"
    "marketing_email_consent;tags;created_at;Loyalty level\n"
    '1;person;Aino;Aalto;;aino@example.fi;040 123 4567;"Katu 1\nA 5";00100;Helsinki;FI;fi;1.2.1990;kyllä;'
    "vip,b2c;2020-01-02 10:00;gold\n"
    "2;organisation;;;Acme Oy;info@acme.fi;;;;;FI;;;ei;;2021-05-05;\n"
    ";person;Олег;Иванов;;oleg@example.ru;+7 912 345-67-89;;;Москва;RU;ru;;;;;\n"
)


def snapshot():
    fields = [
        "external_id",
        "kind",
        "first_name",
        "last_name",
        "name",
        "email",
        "phone",
        "street",
        "postal_code",
        "city",
        "country",
        "language",
        "birth_date",
        "marketing_email_consent",
        "tags",
        "created_at",
        "attributes",
        "stage",
    ]
    return sorted(tuple(str(getattr(c, f)) for f in fields) for c in Customer.objects.all())


def test_export_then_import_into_an_empty_database_is_lossless(csv_file, tmp_path):
    run_command("import-customers", str(csv_file(SOURCE)))
    before = snapshot()
    exported = tmp_path / "export.csv"
    call_command("export-customers", str(exported))
    Customer.objects.all().delete()
    status, summary, _out = run_command("import-customers", str(exported))
    assert (status, summary["created"], summary["rejected"]) == (0, 3, 0)
    assert snapshot() == before


def test_reimporting_an_export_changes_nothing(csv_file, tmp_path):
    run_command("import-customers", str(csv_file(SOURCE)))
    exported = tmp_path / "export.csv"
    call_command("export-customers", str(exported))
    status, summary, _out = run_command("import-customers", str(exported))
    assert (summary["unchanged"], summary["updated"], summary["created"]) == (3, 0, 0)


def test_export_writes_the_import_columns_in_order(csv_file):
    run_command("import-customers", str(csv_file(SOURCE)))
    out = io.StringIO()
    call_command("export-customers", "-", stdout=out)
    header = next(csv.reader(io.StringIO(out.getvalue())))
    assert header[:16] == [
        "customer_id",
        "type",
        "first_name",
        "last_name",
        "name",
        "email",
        "phone",
        "street",
        "postal_code",
        "city",
        "country",
        "language",
        "birth_date",
        "marketing_email_consent",
        "tags",
        "created_at",
    ]
    assert "Loyalty level" in header


def test_jsonl_export_has_one_customer_per_line(csv_file):
    run_command("import-customers", str(csv_file(SOURCE)))
    out = io.StringIO()
    call_command("export-customers", "-", "--format", "jsonl", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sorted(line["email"] for line in lines) == ["aino@example.fi", "info@acme.fi", "oleg@example.ru"]


@pytest.mark.parametrize("key", ["1", "AINO@example.fi", "#{pk}"])
def test_export_customer_finds_by_customer_id_email_or_internal_id(csv_file, key):
    run_command("import-customers", str(csv_file(SOURCE)))
    aino = Customer.objects.get(external_id="1")
    out = io.StringIO()
    call_command("export-customer", key.format(pk=aino.pk), stdout=out)
    document = json.loads(out.getvalue())
    assert document["profile"]["email"] == "aino@example.fi"
    assert set(document) >= {"profile", "contact_points", "consents", "orders", "timeline"}
    assert document["consents"]["current"][0]["granted"] is True
    assert AuditEntry.objects.filter(customer_id=aino.pk, action="export").exists()


def test_export_customer_includes_orders(csv_file):
    run_command("import-customers", str(csv_file(SOURCE)))
    orders = "order_id,customer_id,ordered_at,amount\nO1,1,2024-01-01,12.5\n"
    run_command("import-orders", str(csv_file(orders, name="orders.csv")))
    out = io.StringIO()
    call_command("export-customer", "1", stdout=out)
    document = json.loads(out.getvalue())
    assert [(o["external_id"], o["amount"]) for o in document["orders"]] == [("O1", "12.50")]
    assert [event["kind"] for event in document["timeline"]].count("order") == 1


def test_export_customer_for_an_unknown_key_exits_2(db):
    with pytest.raises(CommandError) as raised:
        call_command("export-customer", "nobody@example.fi")
    assert raised.value.returncode == 2
