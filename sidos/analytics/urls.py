from django.urls import path

from sidos.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("at-risk/", views.at_risk, name="at_risk"),
    path("at-risk.csv", views.at_risk_csv, name="at_risk_csv"),
    path("segments/<str:segment>/", views.segment, name="segment"),
    path("backtest/", views.backtest_report, name="backtest"),
]
