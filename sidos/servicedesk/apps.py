from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "sidos.servicedesk"
    label = "servicedesk"
