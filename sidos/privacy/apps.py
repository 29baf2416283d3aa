from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "sidos.privacy"
    label = "privacy"
