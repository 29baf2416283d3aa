"""Staff pages that read customers: the list and the customer 360 page, plus the personal-data download.

Changes live in views_edit.py, imports in views_import.py.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from sidos.customers.actions import consent_state, find_duplicates
from sidos.customers.exporting import customer_document, dumps
from sidos.customers.forms import CustomerFilterForm
from sidos.customers.models import ConsentChannel, ConsentPurpose, Customer
from sidos.customers.timeline import events_for
from sidos.lib.paginator import CappedPaginator
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

PAGE_SIZE = 50
DETAIL_ORDERS = 50
DETAIL_EVENTS = 100


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    form = CustomerFilterForm(request.GET)
    customers = form.customers()
    page = CappedPaginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/list.html",
        {
            "form": form,
            "page": page,
            "sort": form.cleaned_data.get("sort") or "name",
            "filtered": form.is_filtered(),
        },
    )


def consent_matrix(customer: Customer) -> list[dict]:
    """The current consent per channel (rows) and purpose (columns), None where never asked."""
    current = {(entry["channel"], entry["purpose"]): entry for entry in consent_state(customer)}
    return [
        {
            "channel": channel,
            "cells": [current.get((channel.value, purpose.value)) for purpose in ConsentPurpose],
        }
        for channel in ConsentChannel
    ]


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    audit.record(request.user, AuditAction.VIEW, "customer", pk, customer_id=pk)
    # Orders may come in several currencies: one total per currency, never a sum across them.
    totals = list(
        customer.orders.order_by()
        .values("currency")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("currency")
    )
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "contact_points": list(customer.contact_points.all()),
            "consents": consent_matrix(customer),
            "purposes": list(ConsentPurpose),
            "consent_history": customer.consents.select_related("recorded_by")[:50],
            "orders": customer.orders.order_by("-ordered_at", "-id")[:DETAIL_ORDERS],
            "order_count": sum(row["count"] for row in totals),
            "order_totals": totals,
            "events": events_for(customer, DETAIL_EVENTS),
            "duplicates": find_duplicates(customer),
            "aliases": list(customer.aliases.values_list("external_id", flat=True)),
        },
    )


@login_required
@permission_required("customers.export_customer", raise_exception=True)
def customer_export(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    document = customer_document(customer)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        "customer",
        pk,
        customer_id=pk,
        summary="downloaded the customer's data as JSON",
    )
    response = HttpResponse(dumps(document), content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="customer-{pk}-{stamp}.json"'
    return response
