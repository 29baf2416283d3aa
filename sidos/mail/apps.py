from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "sidos.mail"
    label = "mail"
    verbose_name = "Mail"
