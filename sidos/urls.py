from django.contrib import admin
from django.urls import include, path

from sidos.api import api

urlpatterns = [
    path("", include("sidos.customers.urls")),
    path("orders/", include("sidos.orders.urls")),
    path("analytics/", include("sidos.analytics.urls")),
    path("servicedesk/", include("sidos.servicedesk.urls")),
    path("listening/", include("sidos.listening.urls")),
    path("mail/", include("sidos.mail.urls")),
    path("help/", include("sidos.servicedesk.urls_public")),
    path("campaigns/", include("sidos.campaigns.urls")),
    path("c/", include("sidos.campaigns.urls_public")),
    path("portal/", include("sidos.privacy.urls_portal")),
    path("surveys/", include("sidos.surveys.urls")),
    path("feedback/", include("sidos.surveys.urls_public")),
    path("privacy/", include("sidos.privacy.urls")),
    path("accounts/", include("sidos.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
]
