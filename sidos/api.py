"""The REST API: /api/v1/…, OpenAPI at /api/openapi.json. Each app contributes a router from its api.py."""

from ninja import NinjaAPI

from sidos.accounts.api import BearerToken

api = NinjaAPI(
    title="Sidos API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=BearerToken(),
)
