import codecs
import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sidos.customers.models import Consent, ContactPoint, Customer, CustomerKind, ImportRun, TimelineEvent
from sidos.customers.tests.importhelpers import run_command
from sidos.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = (
    "customer_id,type,first_name,last_name,name,email,phone,street,postal_code,city,country,language,"
    "birth_date,marketing_email_consent,tags,created_at\n"
)


def test_it_imports_the_conventions_format(csv_file):
    path = csv_file(
        HEADER + "1001,person,Matti,Virtanen,,Matti@Example.FI,040 123 4567,Mannerheimintie 1,"
        "00100,Helsinki,fi,FI,1980-03-05,yes,vip;newsletter,2020-01-02T10:00:00+02:00\n"
    )
    status, summary, _out = run_command("import-customers", str(path))
    assert status == 0
    assert summary["created"] == 1 and summary["rejected"] == 0 and summary["errors"] is None
    customer = Customer.objects.get(external_id="1001")
    assert customer.email == "matti@example.fi"
    assert customer.phone == "+358401234567"
    assert customer.country == "FI" and customer.language == "fi"
    assert customer.birth_date == dt.date(1980, 3, 5)
    assert customer.tags == ["newsletter", "vip"]
    assert customer.created_at == dt.datetime(2020, 1, 2, 8, 0, tzinfo=dt.UTC)
    assert customer.marketing_email_consent is True


def test_it_reads_finnish_headers_semicolons_bom_and_crlf(csv_file):
    text = (
        "Asiakasnumero;Etunimi;Sukunimi;Sähköposti;Puhelin;Syntymäaika;Markkinointilupa\n"
        "7;Aino;Aalto;aino@example.fi;0401234567;1.2.1990;kyllä\n"
    )
    path = csv_file(text, encoding="utf-8-sig", newline="\r\n")
    status, summary, _out = run_command("import-customers", str(path))
    assert (status, summary["created"]) == (0, 1)
    aino = Customer.objects.get(external_id="7")
    assert (aino.first_name, aino.last_name, aino.birth_date) == ("Aino", "Aalto", dt.date(1990, 2, 1))
    assert aino.marketing_email_consent is True


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (",person,No,Identity,,,,,,,,,,,,", "customer_id", "no identity"),
        ("1,person,A,B,,not-an-email,,,,,,,,,,", "email", "invalid e-mail"),
        ("1,person,A,B,,,12,,,,,,,,,", "phone", "phone"),
        ("1,person,A,B,,,,,,,,,31.2.1990,,,", "birth_date", "invalid date"),
        ("1,person,A,B,,,,,,,,,,maybe,,", "marketing_email_consent", "unrecognised yes/no"),
        ("1,person,A,B", "", "expected 16 columns, found 4"),
        ("1,robot,A,B,,,,,,,,,,,,", "type", "unknown type"),
        ("1,person,A,B,,,,,,,Atlantis,,,,,", "country", "unknown country"),
    ],
)
def test_it_rejects_a_bad_row_naming_line_field_and_reason(csv_file, row, field, reason):
    path = csv_file(HEADER + "2,person,Good,Row,,good@example.fi,,,,,,,,,,\n" + row + "\n")
    status, summary, _out = run_command("import-customers", str(path))
    assert status == 1
    assert (summary["created"], summary["rejected"]) == (1, 1)
    with open(summary["errors"], encoding="utf-8") as report:
        rejected = list(csv.DictReader(report))
    assert rejected[0]["line"] == "3"
    assert rejected[0]["field"] == field
    assert reason in rejected[0]["reason"]
    assert Customer.objects.count() == 1


def test_it_skips_blank_lines(csv_file):
    path = csv_file(HEADER + "\n1,person,A,B,,a@example.fi,,,,,,,,,,\n\n\n")
    status, summary, _out = run_command("import-customers", str(path))
    assert (status, summary["rows"], summary["created"]) == (0, 1, 1)


def test_reimporting_the_same_file_changes_nothing(csv_file):
    path = csv_file(
        HEADER + "1,person,A,B,,a@example.fi,0401234567,,,,FI,fi,,yes,x,\n"
        "2,organisation,,,Acme Oy,info@acme.fi,,,,,FI,,,no,,\n"
    )
    run_command("import-customers", str(path))
    before = (Consent.objects.count(), ContactPoint.objects.count(), TimelineEvent.objects.count())
    updated_at = list(Customer.objects.order_by("pk").values_list("updated_at", flat=True))
    status, summary, _out = run_command("import-customers", str(path))
    assert (status, summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 0, 2)
    assert (Consent.objects.count(), ContactPoint.objects.count(), TimelineEvent.objects.count()) == before
    assert list(Customer.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at


def test_a_changed_value_replaces_and_an_empty_cell_keeps(csv_file):
    run_command(
        "import-customers", str(csv_file(HEADER + "1,person,Aino,Aalto,,a@example.fi,,,,Espoo,FI,,,,,\n"))
    )
    path = csv_file(HEADER + "1,person,Aino,Virtanen,,,,,,,,,,,,\n", name="second.csv")
    status, summary, _out = run_command("import-customers", str(path))
    assert summary["updated"] == 1
    aino = Customer.objects.get(external_id="1")
    assert aino.last_name == "Virtanen"
    assert (aino.email, aino.city, aino.country) == ("a@example.fi", "Espoo", "FI")
    assert TimelineEvent.objects.filter(customer=aino, kind="updated").count() == 1
    assert AuditEntry.objects.filter(customer_id=aino.pk, action="update").exists()


def test_a_new_email_keeps_the_old_one_as_secondary_contact_point(csv_file):
    run_command("import-customers", str(csv_file(HEADER + "1,person,A,B,,old@example.fi,,,,,,,,,,\n")))
    run_command(
        "import-customers", str(csv_file(HEADER + "1,person,A,B,,new@example.fi,,,,,,,,,,\n", name="b.csv"))
    )
    customer = Customer.objects.get(external_id="1")
    assert customer.email == "new@example.fi"
    points = dict(customer.contact_points.filter(kind="email").values_list("value", "is_primary"))
    assert points == {"new@example.fi": True, "old@example.fi": False}


def test_it_matches_by_email_then_phone_when_there_is_no_customer_id(csv_file):
    run_command(
        "import-customers", str(csv_file(HEADER + "9,person,A,B,,a@example.fi,0401111111,,,,,,,,,\n"))
    )
    path = csv_file(
        HEADER + ",person,,,,A@EXAMPLE.FI,,,,Turku,,,,,,\n,person,,,,,+358 40 111 1111,,,,FI,,,,,\n",
        name="b.csv",
    )
    status, summary, _out = run_command("import-customers", str(path))
    assert (summary["created"], summary["updated"]) == (0, 2)
    customer = Customer.objects.get()
    assert (customer.city, customer.country) == ("Turku", "FI")


def test_a_record_without_customer_id_adopts_the_id_from_a_matching_email(csv_file):
    run_command("import-customers", str(csv_file(HEADER + ",person,A,B,,a@example.fi,,,,,,,,,,\n")))
    run_command(
        "import-customers", str(csv_file(HEADER + "55,person,A,B,,a@example.fi,,,,,,,,,,\n", name="b.csv"))
    )
    assert Customer.objects.get().external_id == "55"


def test_a_later_row_of_the_same_file_updates_the_earlier_one(csv_file):
    path = csv_file(HEADER + "1,person,A,B,,a@example.fi,,,,Oulu,,,,,,\n1,person,A,B,,,,,,Kemi,,,,,,\n")
    status, summary, _out = run_command("import-customers", str(path))
    assert (summary["created"], summary["updated"]) == (1, 1)
    assert Customer.objects.get().city == "Kemi"


def test_rows_repeat_across_batches_without_duplicates(csv_file, settings):
    settings.SIDOS_IMPORT_BATCH_SIZE = 2
    rows = "".join(f"{n},person,P{n},Q,,p{n}@example.fi,,,,,,,,,,\n" for n in range(5))
    path = csv_file(HEADER + rows + "3,person,P3,Q,,,,,,Vaasa,,,,,,\n")
    status, summary, _out = run_command("import-customers", str(path))
    assert (summary["created"], summary["updated"]) == (5, 1)
    assert Customer.objects.count() == 5


def test_unknown_columns_become_custom_attributes(csv_file):
    path = csv_file("email,Favourite colour,loyalty_card\na@example.fi,blue,\n")
    run_command("import-customers", str(path))
    assert Customer.objects.get().attributes == {"Favourite colour": "blue"}


def test_a_name_without_person_names_is_an_organisation(csv_file):
    run_command("import-customers", str(csv_file("customer_id,name\nC1,Acme Oy\n")))
    assert Customer.objects.get().kind == CustomerKind.ORGANISATION


def test_consent_changes_append_to_the_ledger(csv_file):
    run_command("import-customers", str(csv_file(HEADER + "1,person,A,B,,,,,,,,,,ja,,\n")))
    run_command("import-customers", str(csv_file(HEADER + "1,person,A,B,,,,,,,,,,nej,,\n", name="b.csv")))
    ledger = list(Consent.objects.order_by("id").values_list("granted", "source"))
    assert ledger == [(True, "import:data.csv"), (False, "import:b.csv")]
    assert Customer.objects.get().marketing_email_consent is False


def test_a_dry_run_counts_but_writes_nothing(csv_file):
    path = csv_file(HEADER + "1,person,A,B,,a@example.fi,,,,,,,,yes,,\n1,person,A,B,,,,,,Oulu,,,,,,\n")
    status, summary, _out = run_command("import-customers", str(path), "--dry-run")
    assert (status, summary["dry_run"], summary["created"], summary["updated"]) == (0, True, 1, 1)
    assert Customer.objects.count() == 0 and Consent.objects.count() == 0
    assert ImportRun.objects.get().dry_run is True


def test_an_unreadable_file_exits_2_and_imports_nothing(csv_file):
    path = csv_file("colour,size\nred,1\n")
    with pytest.raises(CommandError) as raised:
        call_command("import-customers", str(path))
    assert raised.value.returncode == 2
    assert Customer.objects.count() == 0


def test_a_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError) as raised:
        call_command("import-customers", str(tmp_path / "nope.csv"))
    assert raised.value.returncode == 2


def test_the_json_summary_is_the_last_line_of_stdout(csv_file):
    _status, summary, out = run_command(
        "import-customers", str(csv_file(HEADER + "1,person,A,B,,,,,,,,,,,,\n"))
    )
    assert set(summary) >= {"created", "updated", "unchanged", "rejected", "errors"}
    assert out.strip().splitlines()[-1].startswith("{")


def test_the_import_is_recorded_in_history_and_audit_log(csv_file):
    run_command("import-customers", str(csv_file(HEADER + "1,person,A,B,,,,,,,,,,,,\n")))
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.filename) == ("done", 1, "data.csv")
    assert AuditEntry.objects.filter(action="import", target_id=str(run.pk)).exists()


def test_a_file_in_windows_1252_imports(csv_file):
    path = csv_file("email;sukunimi\nx@example.fi;Ääkkönen\n", encoding="cp1252")
    run_command("import-customers", str(path))
    assert Customer.objects.get().last_name == "Ääkkönen"


def test_a_crash_mid_import_keeps_whole_batches_and_a_rerun_completes_it(csv_file, settings, monkeypatch):
    from sidos.customers import importing

    settings.SIDOS_IMPORT_BATCH_SIZE = 2
    rows = "".join(f"{n},person,P{n},Q,,p{n}@example.fi,,,,,,,,,,\n" for n in range(6))
    path = csv_file(HEADER + rows)
    real_flush = importing._BatchWriter._flush
    calls = {"n": 0}

    def flaky_flush(self):
        calls["n"] += 1
        if calls["n"] == 2:
            real_flush(self)
            raise RuntimeError("disk full")  # after writing: the batch's transaction must roll back
        real_flush(self)

    monkeypatch.setattr(importing._BatchWriter, "_flush", flaky_flush)
    with pytest.raises(RuntimeError):
        call_command("import-customers", str(path))
    assert Customer.objects.count() == 2
    assert ImportRun.objects.get().status == "failed"
    monkeypatch.setattr(importing._BatchWriter, "_flush", real_flush)
    status, summary, _out = run_command("import-customers", str(path))
    assert (status, summary["created"], summary["unchanged"]) == (0, 4, 2)
    assert Customer.objects.count() == 6


def test_reading_stdin_works(csv_file, monkeypatch):
    import io
    import sys

    data = (HEADER + "1,person,A,B,,,,,,,,,,,,\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(codecs.BOM_UTF8 + data)))
    status, summary, _out = run_command("import-customers", "-")
    assert (status, summary["created"]) == (0, 1)
