from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "sidos.accounts"
    label = "accounts"

    def ready(self):
        from sidos.accounts.roles import sync_roles

        # No sender: post_migrate is sent per app, and the customers/orders permissions only exist after
        # their own apps' signal, so the roles are synced again after each app (it is idempotent).
        post_migrate.connect(sync_roles, dispatch_uid="sidos-sync-roles")
