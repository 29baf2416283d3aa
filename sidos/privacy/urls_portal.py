"""/portal/: the customers' own pages, apart from the staff app."""

from django.urls import path

from sidos.privacy import portal_requests, portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.login, name="login"),
    path("login/", portal_views.login, name="login_link_base"),
    path("login/<str:token>/", portal_views.login_link, name="login_link"),
    path("logout/", portal_views.logout, name="logout"),
    path("me/", portal_views.me, name="me"),
    path("me/download/", portal_views.download, name="download"),
    path("me/consent/", portal_views.consent, name="consent"),
    path("me/erase/", portal_requests.erase, name="erase"),
    path("me/contact/", portal_requests.contact, name="contact"),
    path("verify/<str:token>/", portal_requests.verify_email, name="verify_email"),
]
