"""/privacy/: the staff side of privacy (requests, audit log, record of processing)."""

from django.urls import path

from sidos.privacy import views, views_records

app_name = "privacy"
urlpatterns = [
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/decide/", views.request_decide, name="decide"),
    path("audit/", views_records.audit_log, name="audit"),
    path("audit.csv", views_records.audit_csv, name="audit_csv"),
    path("processing/", views_records.processing, name="processing"),
    path("processing/attributes/", views_records.declare_attribute, name="declare_attribute"),
    path("processing.csv", views_records.processing_csv, name="processing_csv"),
]
