from django.urls import path

from sidos.campaigns import views_public

app_name = "campaigns_public"
urlpatterns = [
    path("o/<str:token>/", views_public.open_pixel, name="open"),
    path("c/<str:token>/", views_public.click, name="click"),
    path("u/<str:token>/", views_public.unsubscribe, name="unsubscribe"),
    path("signup/", views_public.signup, name="signup"),
    path("signup/confirm/<str:token>/", views_public.confirm, name="confirm"),
]
