from django.urls import path

from sidos.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
]
