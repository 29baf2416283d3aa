from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "sidos.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"
