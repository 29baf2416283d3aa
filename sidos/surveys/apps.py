from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "sidos.surveys"
    label = "surveys"
    verbose_name = "Surveys"
