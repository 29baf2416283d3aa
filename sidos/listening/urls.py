from django.urls import path

from sidos.listening import views

app_name = "listening"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("report/", views.report, name="report"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/relabel/", views.relabel, name="relabel"),
    path("posts/<int:pk>/link/", views.link, name="link"),
    path("posts/<int:pk>/answer/", views.answer, name="answer"),
    path("posts/<int:pk>/status/", views.set_status, name="status"),
    path("posts/<int:pk>/ticket/", views.make_ticket, name="ticket"),
]
