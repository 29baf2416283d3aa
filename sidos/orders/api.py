"""/api/v1/orders: thin over orders.actions — check the permission, validate, call the action."""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic.json_schema import SkipJsonSchema

from sidos.accounts.api import require_permission
from sidos.customers.models import Customer, CustomerAlias
from sidos.lib.apifields import DateTimeIn, Id, optional, responses, text
from sidos.lib.pagination import Pagination, page
from sidos.orders import schemas
from sidos.orders.actions import OrderError, create_order, update_order
from sidos.orders.models import Order, OrderStatus

router = Router(tags=["orders"])


class OrderFilters(Schema):
    customer_id: Id | SkipJsonSchema[None] = optional("the customer's internal id")
    external_customer_id: text(100) | SkipJsonSchema[None] = optional(
        "the customer's id in the source system"
    )
    since: DateTimeIn | SkipJsonSchema[None] = optional("ordered at or after")
    until: DateTimeIn | SkipJsonSchema[None] = optional("ordered before")
    channel: text(50) | SkipJsonSchema[None] = optional()
    status: OrderStatus | SkipJsonSchema[None] = optional()


def filtered(filters: OrderFilters):
    orders = Order.objects.select_related("customer")
    if filters.customer_id is not None:
        orders = orders.filter(customer_id=filters.customer_id)
    if filters.external_customer_id is not None:
        orders = orders.filter(customer__external_id=filters.external_customer_id)
    if filters.since is not None:
        orders = orders.filter(ordered_at__gte=filters.since)
    if filters.until is not None:
        orders = orders.filter(ordered_at__lt=filters.until)
    if filters.channel:
        orders = orders.filter(channel=filters.channel.strip().lower())
    if filters.status:
        orders = orders.filter(status=filters.status)
    return orders.order_by("-ordered_at", "-id")


def referenced_customer(payload) -> Customer | None:
    """The customer a body names by internal id or source id (a merged-away source id still finds it)."""
    if payload.customer is not None:
        customer = Customer.objects.filter(pk=payload.customer).first()
        if customer is None:
            raise OrderError(f"no customer #{payload.customer}", "customer")
        return customer
    if payload.customer_external_id is not None:
        key = payload.customer_external_id.strip()
        customer = Customer.objects.filter(external_id=key).first()
        if customer is None:
            alias = CustomerAlias.objects.select_related("customer").filter(external_id=key).first()
            customer = alias.customer if alias else None
        if customer is None:
            raise OrderError(f"no customer with customer_id {key!r}", "customer_external_id")
        return customer
    return None


@router.get("", response=responses({200: schemas.OrderPage}, 401, 403, 422))
def list_orders(request, filters: Query[OrderFilters], pagination: Query[Pagination]):
    require_permission(request, "orders.view_order")
    return page(filtered(filters), pagination)


@router.post("", response=responses({201: schemas.OrderOut}, 400, 401, 403, 409, 422))
def create(request, payload: schemas.OrderIn):
    require_permission(request, "orders.add_order")
    data = payload.model_dump(exclude={"customer", "customer_external_id"}, exclude_none=True)
    order = create_order(request.auth, referenced_customer(payload), data, channel="api")
    return Status(201, order)


@router.get("/{id}", response=responses({200: schemas.OrderOut}, 401, 403, 404, 422))
def detail(request, id: Id):
    require_permission(request, "orders.view_order")
    return get_object_or_404(Order.objects.select_related("customer"), pk=id)


@router.patch("/{id}", response=responses({200: schemas.OrderOut}, 400, 401, 403, 404, 409, 422))
def update(request, id: Id, payload: schemas.OrderPatch):
    require_permission(request, "orders.change_order")
    order = get_object_or_404(Order.objects.select_related("customer"), pk=id)
    data = payload.model_dump(exclude={"customer", "customer_external_id"}, exclude_unset=True)
    update_order(request.auth, order, data, customer=referenced_customer(payload), channel="api")
    return order
