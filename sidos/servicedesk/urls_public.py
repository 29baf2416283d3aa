"""Pages for customers, without a login: the FAQ, the contact form and the CSAT link."""

from django.urls import path

from sidos.servicedesk import views_public

app_name = "help"
urlpatterns = [
    path("", views_public.faq, name="faq"),
    path("contact/", views_public.contact, name="contact"),
    path("contact/thanks/", views_public.contact_thanks, name="contact_thanks"),
    path("rate/<str:token>/", views_public.csat, name="csat"),
]
