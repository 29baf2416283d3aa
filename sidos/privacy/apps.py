from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "sidos.privacy"
    label = "privacy"

    def ready(self):
        # Each app's erasure.py registers what it holds about a customer (see privacy/registry.py).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("erasure")
