from django.urls import path

from sidos.servicedesk import views, views_manage

app_name = "servicedesk"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("bulk/", views.bulk, name="bulk"),
    path("tickets/new/", views.ticket_create, name="create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:pk>/note/", views.ticket_note, name="note"),
    path("tickets/<int:pk>/update/", views.ticket_update, name="update"),
    path("tickets/<int:pk>/merge/", views.ticket_merge, name="merge"),
    path("tickets/<int:pk>/attachments/<int:attachment>/", views.attachment, name="attachment"),
    path("canned/", views_manage.canned_list, name="canned"),
    path("canned/<int:pk>/", views_manage.canned_edit, name="canned_edit"),
    path("reports/", views_manage.reports_page, name="reports"),
]
