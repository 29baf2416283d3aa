"""Pages for customers, without a login: an invitation's survey and the embeddable feedback form."""

from django.urls import path

from sidos.surveys import views_public

app_name = "survey_public"
urlpatterns = [
    path("s/<str:token>/", views_public.answer, name="answer"),
    path("<slug:slug>/", views_public.feedback_form, name="form"),
]
