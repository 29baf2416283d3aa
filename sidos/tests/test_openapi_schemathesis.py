"""Every API operation, fed generated input, answers as its OpenAPI schema says (schemathesis).

The app runs in-process through WSGI on the test's own database connection, so the usual
per-test transaction holds everything the generated requests write.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sidos.accounts.actions import create_api_token
from sidos.customers.actions import create_customer
from sidos.orders.actions import create_order
from sidos.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# The test sends a valid token with every request, so generating (and breaking) the Authorization header
# would only be overwritten; the ignored_auth check still calls each operation without one.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture
def connection_kept_open():
    """Django closes the database connection when a request ends, and with it the test's transaction
    (PostgreSQL then answers every later request with an error). Django's test Client switches this
    off for the same reason; schemathesis calls the WSGI app directly, so this does it here."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def admin_token(admin_user):
    _token, raw = create_api_token(admin_user, name="schemathesis")
    return raw


@pytest.fixture
def existing_ids(db):
    """A customer with an order, so generated ids sometimes hit a record (see test_api below)."""
    customer = create_customer(None, {"first_name": "Aino", "email": "aino@example.com"}, source="test")
    order = create_order(None, customer, {"amount": "10.00"})
    return {"customers": customer.pk, "orders": order.pk}


@pytest.mark.django_db
@schema.parametrize()
# Function-scoped fixtures are deliberate: every example of one operation shares one test database.
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api(case, connection_kept_open, admin_token, existing_ids):
    # Random ids almost never exist: send every other valid one to a real record so 200 bodies are checked.
    generated_id = (case.path_parameters or {}).get("id")
    if isinstance(generated_id, int) and generated_id % 2 and case.meta.generation.mode.is_positive:
        collection = "orders" if "/orders/{id}" in case.path else "customers"
        case.path_parameters["id"] = existing_ids[collection]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        # Business rules (a real phone number, an existing customer) cannot all be written as JSON Schema,
        # so some schema-valid input is rightly refused with 400; every other check runs.
        excluded_checks=[positive_data_acceptance],
    )
