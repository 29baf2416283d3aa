from django.urls import path

from sidos.customers import views, views_edit, views_import

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("customers/new/", views_edit.customer_create, name="create"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/export.json", views.customer_export, name="export"),
    path("customers/<int:pk>/edit/", views_edit.customer_edit, name="edit"),
    path("customers/<int:pk>/consent/", views_edit.customer_consent, name="consent"),
    path("customers/<int:pk>/merge/<int:other>/", views_edit.customer_merge, name="merge"),
    path("import/", views_import.import_page, name="import"),
    path("import/<int:pk>/", views_import.import_run, name="import_run"),
    path("import/<int:pk>/errors.csv", views_import.import_errors, name="import_errors"),
]
