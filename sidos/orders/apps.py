from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "sidos.orders"
    label = "orders"
