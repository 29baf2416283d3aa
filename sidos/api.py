"""The REST API: /api/v1/…, OpenAPI at /api/openapi.json. Each app contributes a router from its api.py."""

from ninja import NinjaAPI

from sidos.accounts.api import BearerToken
from sidos.analytics.api import router as analytics_router
from sidos.customers.actions import CustomerError
from sidos.customers.api import router as customers_router
from sidos.listening.actions import ListeningError
from sidos.listening.api import router as listening_router
from sidos.orders.actions import OrderError
from sidos.orders.api import router as orders_router
from sidos.servicedesk.actions import TicketError
from sidos.servicedesk.api import router as tickets_router

api = NinjaAPI(
    title="Sidos API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=BearerToken(),
)

api.add_router("/v1/customers", customers_router)
api.add_router("/v1/orders", orders_router)
api.add_router("/v1/analytics", analytics_router)
api.add_router("/v1/tickets", tickets_router)
api.add_router("/v1/listening", listening_router)

# A source id already taken is a conflict with stored data; every other refusal is a bad request.
CONFLICT_FIELDS = {"external_id"}


@api.exception_handler(CustomerError)
@api.exception_handler(OrderError)
@api.exception_handler(TicketError)
@api.exception_handler(ListeningError)
def domain_error(request, error):
    status = 409 if error.field in CONFLICT_FIELDS else 400
    return api.create_response(request, {"detail": str(error), "field": error.field}, status=status)
