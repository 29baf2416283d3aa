from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "sidos.customers"
    label = "customers"
