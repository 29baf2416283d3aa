from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "sidos.servicedesk"
    label = "servicedesk"

    def ready(self):
        from sidos.servicedesk import checks  # noqa: F401 registers the system checks
