from django.urls import path

from sidos.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
]
