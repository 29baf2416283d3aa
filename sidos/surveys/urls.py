from django.urls import path

from sidos.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<int:pk>/", views.survey_results, name="results"),
    path("<int:pk>/invite/", views.survey_invite, name="invite"),
    path("<int:pk>/export/", views.survey_export, name="export"),
]
