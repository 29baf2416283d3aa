"""erase_customer: nothing of the person left anywhere in the database, kept records still add up."""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from sidos.customers.models import Customer
from sidos.customers.tests.webhelpers import make_customer, make_order
from sidos.listening.models import Post, PostCorrection
from sidos.mail.models import InboundMessage, OutboundMessage
from sidos.orders.models import Order
from sidos.privacy import actions
from sidos.privacy.models import AuditAction, AuditEntry, ErasureReceipt
from sidos.privacy.tests.dbsearch import find_everywhere
from sidos.privacy.tests.erasurehelpers import (
    EXTERNAL_ID,
    NEEDLES,
    OTHERS_POST,
    make_full_customer,
)
from sidos.servicedesk.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def zebulon(admin_user, tmp_path):
    return make_full_customer(admin_user, tmp_path)


@pytest.fixture
def bystander():
    other = make_customer(
        first_name="Helmi", last_name="Ström", email="helmi@example.fi", phone="050 111 2222"
    )
    make_order(other, "H-1", "99.90")
    return other


def order_totals():
    return Order.objects.aggregate(count=Count("id"), total=Sum("amount"))


def test_the_whole_database_holds_nothing_of_the_customer_after_erasure(
    zebulon, bystander, admin_user, django_capture_on_commit_callbacks
):
    # The set-up really put the person everywhere, so an empty search below means something.
    before = {table for table, _column, _needle in find_everywhere(NEEDLES)}
    for table in ("customers_customer", "customers_contactpoint", "customers_customeralias",
                  "customers_timelineevent", "servicedesk_ticket", "servicedesk_ticketmessage",
                  "servicedesk_csatrating", "mail_inboundmessage", "mail_outboundmessage",
                  "mail_deliveryreport", "privacy_auditentry", "surveys_answer", "campaigns_delivery",
                  "campaigns_trackingevent", "campaigns_suppression", "listening_post",
                  "listening_socialhandle"):  # fmt: skip
        assert table in before, table
    files = [attachment.file.path for attachment in TicketAttachment.objects.filter(ticket__customer=zebulon)]
    assert files and all(Path(path).read_bytes() for path in files)
    totals = order_totals()
    former_id = zebulon.pk

    with django_capture_on_commit_callbacks(execute=True):
        receipt = actions.erase_customer(zebulon, reason="DSR 12: the customer asked", actor=admin_user)

    assert find_everywhere(NEEDLES) == []
    assert not Customer.objects.filter(pk=former_id).exists()
    assert order_totals() == totals  # bookkeeping unchanged
    assert Order.objects.filter(customer=receipt.stub).count() == 2
    assert Ticket.objects.filter(customer=receipt.stub).count() == 1
    assert not any(Path(path).exists() for path in files)
    assert InboundMessage.objects.filter(raw=b"").count() == 2  # tombstones: the mail and the bounce
    # Someone else's post that mentioned them stays, without the mentions; their own posts are gone.
    mention = Post.objects.get(external_id="m-3")
    assert mention.text.startswith(OTHERS_POST) and mention.text.count("[erased]") == 2
    assert not Post.objects.filter(external_id__in=["m-0", "m-1", "m-2"]).exists()
    assert not PostCorrection.objects.exists()
    # The bystander keeps everything.
    assert find_everywhere(["Helmi", "helmi@example.fi", "+358501112222"]) != []
    bystander.refresh_from_db()
    assert bystander.orders.count() == 1


def test_the_receipt_counts_each_app_and_names_no_one(zebulon, admin_user):
    receipt = actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    assert receipt.actor == admin_user and receipt.reason == "DSR 12"
    assert receipt.counts["orders"] == {"orders_kept_pseudonymised": 2}
    assert receipt.counts["servicedesk"]["attachments"] == 1
    assert receipt.counts["customers"]["aliases"] == 1
    assert receipt.counts["customers"]["import_report_rows"] == 1
    assert receipt.counts["mail"]["delivery_reports"] == 1
    assert receipt.counts["privacy"]["portal_link_requests"] == 1
    assert receipt.counts["listening"] == {
        "social_handles": 1,
        "posts": 3,  # their own (one linked, one not) and a reshare
        "post_corrections": 1,
        "mentions_redacted": 1,
    }
    assert "Zebulon" not in json.dumps(receipt.counts)
    entry = AuditEntry.objects.get(action=AuditAction.ERASE)
    assert entry.customer_id == receipt.customer_id and entry.actor == admin_user


def test_the_audit_log_keeps_that_processing_happened_without_the_values(zebulon, admin_user):
    trail = list(AuditEntry.objects.filter(customer_id=zebulon.pk).values_list("pk", "action", "created_at"))
    update = (
        AuditEntry.objects.filter(customer_id=zebulon.pk, action=AuditAction.UPDATE, target_type="customer")
        .order_by("pk")
        .first()
    )
    assert "zebulon.q@example.org" in json.dumps(update.changes)
    actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    kept = AuditEntry.objects.filter(customer_id=zebulon.pk)
    assert list(kept.exclude(action=AuditAction.ERASE).values_list("pk", "action", "created_at")) == trail
    update.refresh_from_db()
    assert update.changes == {"erased_fields": ["email"]}


def test_a_second_erasure_is_a_no_op_with_a_clear_message(zebulon, admin_user):
    receipt = actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    outbox, audit_rows = OutboundMessage.objects.count(), AuditEntry.objects.count()
    with pytest.raises(actions.AlreadyErased, match=f"customer #{zebulon.pk} was already erased"):
        actions.erase_customer(zebulon, reason="again", actor=admin_user)
    with pytest.raises(actions.AlreadyErased):
        actions.erase_customer(receipt.stub, reason="the stub", actor=admin_user)
    assert ErasureReceipt.objects.count() == 1
    assert (OutboundMessage.objects.count(), AuditEntry.objects.count()) == (outbox, audit_rows)


def test_an_erasure_needs_a_reason(bystander):
    with pytest.raises(actions.ErasureError, match="reason"):
        actions.erase_customer(bystander, reason="  ")
    assert Customer.objects.filter(pk=bystander.pk).exists()


def test_a_queued_mail_to_the_customer_is_never_sent(zebulon, admin_user):
    assert OutboundMessage.objects.filter(status="queued").exists()
    actions.erase_customer(zebulon, reason="DSR 12", actor=admin_user)
    assert not OutboundMessage.objects.filter(status="queued").exists()


def run(*args):
    out = io.StringIO()
    try:
        call_command("erase-customer", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    except Exception as error:  # CommandError: call_command raises it instead of exiting
        code = getattr(error, "returncode", 1)
    return code, out.getvalue()


def test_the_command_erases_by_customer_id_and_reports_json_last(zebulon):
    code, out = run(EXTERNAL_ID, "--reason", "ticket SD-1", "--json")
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["erased"] is True and summary["customer_id"] == zebulon.pk
    assert summary["counts"]["orders"]["orders_kept_pseudonymised"] == 2
    assert ErasureReceipt.objects.get().channel == "cli"


def test_the_command_run_twice_says_already_erased(zebulon):
    assert run(f"#{zebulon.pk}", "--reason", "r")[0] == 0
    code, out = run(f"#{zebulon.pk}", "--reason", "r", "--json")
    assert code == 0 and "already erased" in out
    assert json.loads(out.strip().splitlines()[-1])["already_erased"] is True
    assert ErasureReceipt.objects.count() == 1


def test_the_command_exits_2_for_an_unknown_key(db):
    code, out = run("nobody@example.org", "--reason", "r", "--json")
    assert code == 2
    assert json.loads(out.strip().splitlines()[-1]) == {
        "erased": False,
        "error": "no customer matches 'nobody@example.org'",
    }


def test_orders_keep_their_amounts(zebulon, admin_user):
    receipt = actions.erase_customer(zebulon, reason="r", actor=admin_user)
    assert sorted(Order.objects.filter(customer=receipt.stub).values_list("amount", flat=True)) == [
        Decimal("20.00"),
        Decimal("35.50"),
    ]


def test_an_app_holding_customer_data_without_an_erasure_declaration_stops_the_erasure(
    bystander, monkeypatch
):
    from sidos.privacy import registry

    monkeypatch.delitem(registry._holders, "orders")
    with pytest.raises(actions.ErasureError, match="orders.Order refers to customers"):
        actions.erase_customer(bystander, reason="r")
    assert Customer.objects.filter(pk=bystander.pk).exists()
