from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "sidos.listening"
    label = "listening"
    verbose_name = "Social listening"
