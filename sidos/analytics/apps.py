from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "sidos.analytics"
    label = "analytics"
