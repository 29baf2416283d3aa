"""/api/v1/customers: thin over customers.actions — check the permission, validate, call the action."""

from typing import Literal

from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic.json_schema import SkipJsonSchema

from sidos.accounts.api import require_permission
from sidos.customers import schemas
from sidos.customers.actions import (
    CustomerError,
    create_customer,
    find_duplicates,
    merge_customers,
    record_consent,
    update_customer,
)
from sidos.customers.exporting import customer_document
from sidos.customers.models import ConsentChannel, ConsentPurpose, Customer, CustomerKind, Stage
from sidos.customers.search import has_tag, results
from sidos.lib.apifields import Id, optional, responses, text
from sidos.lib.pagination import Pagination, page
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

router = Router(tags=["customers"])

# Each ends in the id so pages are stable when the first key ties.
ORDERINGS = {
    "name": ("search_name", "id"),
    "-name": ("-search_name", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
}


class CustomerFilters(Schema):
    search: text(200) | SkipJsonSchema[None] = optional(
        "name or surname prefix, e-mail, phone or customer_id"
    )
    stage: Stage | SkipJsonSchema[None] = optional()
    tag: text(100) | SkipJsonSchema[None] = optional()
    country: text(10) | SkipJsonSchema[None] = optional("ISO 3166-1 alpha-2")
    consent: bool | SkipJsonSchema[None] = optional(
        "true: consented to marketing e-mail; false: has not (declined, withdrew or was never asked)"
    )
    kind: CustomerKind | SkipJsonSchema[None] = optional()
    ordering: Literal[tuple(ORDERINGS)] = "name"


def filtered(filters: CustomerFilters):
    customers = Customer.objects.all()
    if filters.stage:
        customers = customers.filter(stage=filters.stage)
    if filters.kind:
        customers = customers.filter(kind=filters.kind)
    if filters.country:
        customers = customers.filter(country=filters.country.strip().upper())
    if filters.tag:
        customers = customers.filter(has_tag(filters.tag))
    if filters.consent is True:
        customers = customers.filter(marketing_email_consent=True)
    elif filters.consent is False:
        customers = customers.exclude(marketing_email_consent=True)
    return results(customers.order_by(*ORDERINGS[filters.ordering]), filters.search or "")



@router.get("", response=responses({200: schemas.CustomerPage}, 401, 403, 422))
def list_customers(request, filters: Query[CustomerFilters], pagination: Query[Pagination]):
    require_permission(request, "customers.view_customer")
    return page(filtered(filters), pagination)


@router.post("", response=responses({201: schemas.CustomerOut}, 400, 401, 403, 409, 422))
def create(request, payload: schemas.CustomerIn):
    require_permission(request, "customers.add_customer")
    data = payload.model_dump()
    consent = data.pop("marketing_email_consent")
    with transaction.atomic():
        customer = create_customer(request.auth, data, source="api", channel="api")
        if consent is not None:
            _record_marketing_consent(request.auth, customer, consent)
    return Status(201, customer)


def _record_marketing_consent(user, customer: Customer, granted: bool) -> None:
    record_consent(
        user,
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.MARKETING,
        granted=granted,
        source="api",
        audit_channel="api",
    )


@router.get("/{id}", response=responses({200: schemas.CustomerOut}, 401, 403, 404, 422))
def detail(request, id: Id):
    require_permission(request, "customers.view_customer")
    customer = get_object_or_404(Customer, pk=id)
    audit.record(
        request.auth, AuditAction.VIEW, "customer", customer.pk, customer_id=customer.pk, channel="api"
    )
    return customer


@router.patch("/{id}", response=responses({200: schemas.CustomerOut}, 400, 401, 403, 404, 409, 422))
def update(request, id: Id, payload: schemas.CustomerPatch):
    require_permission(request, "customers.change_customer")
    customer = get_object_or_404(Customer, pk=id)
    data = payload.model_dump(exclude_unset=True)
    consent = data.pop("marketing_email_consent", None)
    with transaction.atomic():
        update_customer(request.auth, customer, data, source="api", channel="api")
        if consent is not None:
            _record_marketing_consent(request.auth, customer, consent)
    return customer


@router.post("/{id}/merge", response=responses({200: schemas.CustomerOut}, 400, 401, 403, 404, 422))
def merge(request, id: Id, payload: schemas.MergeIn):
    """Fold the duplicate into this customer; its orders, consents and timeline move here."""
    require_permission(request, "customers.merge_customer")
    keep = get_object_or_404(Customer, pk=id)
    duplicate = Customer.objects.filter(pk=payload.duplicate_id).first()
    if duplicate is None:
        raise CustomerError(f"no customer #{payload.duplicate_id}", "duplicate_id")
    return merge_customers(request.auth, keep, duplicate, channel="api")


@router.get("/{id}/duplicates", response=responses({200: schemas.CustomerPage}, 401, 403, 404, 422))
def duplicates(request, id: Id):
    """Customers sharing an e-mail address, phone number or source id with this one (at most 50)."""
    require_permission(request, "customers.view_customer")
    found = find_duplicates(get_object_or_404(Customer, pk=id))
    return {"items": found, "count": len(found)}


@router.get("/{id}/timeline", response=responses({200: schemas.TimelinePage}, 401, 403, 404, 422))
def timeline(request, id: Id, pagination: Query[Pagination]):
    require_permission(request, "customers.view_customer")
    customer = get_object_or_404(Customer, pk=id)
    return page(customer.timeline.select_related("actor").order_by("-occurred_at", "-id"), pagination)


@router.get("/{id}/export", response=responses({200: schemas.CustomerDocumentOut}, 401, 403, 404, 422))
def export(request, id: Id):
    """Everything held about the customer, as for a data-access request."""
    require_permission(request, "customers.export_customer")
    customer = get_object_or_404(Customer, pk=id)
    audit.record(
        request.auth, AuditAction.EXPORT, "customer", customer.pk, customer_id=customer.pk, channel="api"
    )
    return customer_document(customer)
