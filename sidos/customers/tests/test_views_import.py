import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sidos.customers.models import Customer, ImportRun, ImportStatus
from sidos.customers.tests.webhelpers import make_customer
from sidos.orders.models import Order
from sidos.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db
IMPORT = reverse("customers:import")
CUSTOMERS = (
    "customer_id,first_name,last_name,email\n1,Aino,Aalto,aino@example.fi\n2,Eino,Leino,eino@example.fi\n"
)


def upload(text: str, name: str = "customers.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_it_imports_customers_from_an_upload(admin_client, admin_user):
    response = admin_client.post(IMPORT, {"file": upload(CUSTOMERS), "kind": "customers"}, follow=True)
    run = ImportRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse("customers:import_run", args=[run.pk])
    assert (run.created, run.rejected, run.user, run.status) == (2, 0, admin_user, ImportStatus.DONE)
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"1", "2"}
    assert 'data-count="created">2<' in response.content.decode()
    assert AuditEntry.objects.get(action=AuditAction.IMPORT).channel == "web"


def test_it_changes_nothing_on_a_dry_run(admin_client):
    response = admin_client.post(
        IMPORT, {"file": upload(CUSTOMERS), "kind": "customers", "dry_run": "on"}, follow=True
    )
    assert not Customer.objects.exists()
    assert ImportRun.objects.get().dry_run
    assert 'data-count="created">2<' in response.content.decode()


def test_it_offers_the_rejected_rows_as_a_csv_download(admin_client):
    text = "customer_id,first_name,email\n1,Aino,aino@example.fi\n2,Eino,not-an-address\n"
    response = admin_client.post(IMPORT, {"file": upload(text), "kind": "customers"}, follow=True)
    run = ImportRun.objects.get()
    assert (run.created, run.rejected) == (1, 1)
    errors_url = reverse("customers:import_errors", args=[run.pk])
    assert errors_url in response.content.decode()
    download = admin_client.get(errors_url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="import-{run.pk}-errors.csv"'
    report = b"".join(download.streaming_content).decode()
    assert report.splitlines()[0].startswith("line,field,reason")
    assert "3,email," in report and "not-an-address" in report


def test_it_keeps_the_error_report_from_staff_without_import_permission(admin_client, agent_client):
    text = "customer_id,email\n1,not-an-address\n"
    admin_client.post(IMPORT, {"file": upload(text), "kind": "customers"})
    run = ImportRun.objects.get()
    assert agent_client.get(reverse("customers:import_errors", args=[run.pk])).status_code == 403


def test_it_says_clearly_when_a_file_cannot_be_read(admin_client):
    response = admin_client.post(IMPORT, {"file": upload("colour,size\nred,M\n"), "kind": "customers"})
    assert response.status_code == 200
    assert "could not be read, so nothing was imported" in response.content.decode()
    assert not Customer.objects.exists()
    assert ImportRun.objects.get().status == ImportStatus.FAILED


def test_it_rejects_an_empty_upload(admin_client):
    response = admin_client.post(IMPORT, {"file": upload(""), "kind": "customers"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_it_imports_orders_for_known_customers(admin_client):
    make_customer(external_id="C1")
    text = "order_id,customer_id,ordered_at,amount\nO1,C1,2024-05-01,19.90\nO2,C9,2024-05-02,5,00\n"
    admin_client.post(IMPORT, {"file": upload(text, "orders.csv"), "kind": "orders"})
    run = ImportRun.objects.get()
    assert (run.kind, run.created, run.rejected) == ("orders", 1, 1)
    assert list(Order.objects.values_list("external_id", flat=True)) == ["O1"]


def test_it_creates_missing_customers_for_orders_when_asked(admin_client):
    text = "order_id,customer_id,ordered_at,amount\nO1,C9,2024-05-01,19.90\n"
    admin_client.post(
        IMPORT, {"file": upload(text, "orders.csv"), "kind": "orders", "create_customers": "on"}
    )
    assert Order.objects.get().customer.external_id == "C9"


def test_it_lists_recent_imports(admin_client):
    admin_client.post(IMPORT, {"file": upload(CUSTOMERS, "spring-fair.csv"), "kind": "customers"})
    assert "spring-fair.csv" in admin_client.get(IMPORT).content.decode()


def test_it_refuses_a_file_too_large_to_import_in_the_request(admin_client, monkeypatch):
    monkeypatch.setattr("sidos.customers.forms.WEB_IMPORT_MAX_MB", 0)
    response = admin_client.post(IMPORT, {"file": upload(CUSTOMERS), "kind": "customers"})
    assert "sidos import-customers" in str(response.context["form"].errors["file"])
    assert not ImportRun.objects.exists()
