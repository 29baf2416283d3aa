from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "sidos.accounts"
    label = "accounts"

    def ready(self):
        from sidos.accounts.roles import sync_roles

        post_migrate.connect(sync_roles, sender=self, dispatch_uid="sidos-sync-roles")
