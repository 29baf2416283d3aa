"""Staff roles as Django groups. Kept in code and synced after every migrate, so they never drift."""

from django.contrib.auth.models import Group, Permission

from sidos.accounts.models import Role

# app_label.codename for each role; the admin role gets every permission of Sidos' apps.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.merge_customer",
        "orders.view_order",
        "orders.add_order",
        "orders.change_order",
        # The service desk: tickets in the queues the agent role is given, canned responses, the FAQ.
        "servicedesk.view_ticket",
        "servicedesk.add_ticket",
        "servicedesk.change_ticket",
        "servicedesk.merge_ticket",
        "servicedesk.view_cannedresponse",
        "servicedesk.add_cannedresponse",
        "servicedesk.change_cannedresponse",
        "servicedesk.delete_cannedresponse",
        "servicedesk.view_faqarticle",
        "servicedesk.add_faqarticle",
        "servicedesk.change_faqarticle",
        "servicedesk.view_servicedesk_reports",
        # An agent takes a customer's privacy request on the phone; only a privacy officer decides it.
        "privacy.view_datasubjectrequest",
        "privacy.add_datasubjectrequest",
        # Mail that ingest could not turn into a ticket: agents read it, re-run it or discard it.
        "mail.manage_quarantine",
    ],
    # Social listening: the webcare queue, relabelling and linking posts, turning them into tickets.
    Role.WEBCARE: [
        "customers.view_customer",
        "listening.view_post",
        "listening.work_webcare",
        # Making a ticket of a post, not working the service desk's queues (that is the agent role).
        "servicedesk.add_ticket",
    ],
    Role.MARKETER: [
        "customers.view_customer",
        "customers.export_customer",
        "orders.view_order",
        "surveys.view_survey",
        "surveys.send_survey",
        "surveys.export_survey_answers",
        # Campaigns: segments, campaigns (edit, preview, test, send) and their reports.
        "campaigns.view_segment",
        "campaigns.add_segment",
        "campaigns.change_segment",
        "campaigns.view_campaign",
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.send_campaign",
    ],
    Role.ANALYST: [
        "customers.view_customer",
        "customers.export_customer",
        "orders.view_order",
        "servicedesk.view_servicedesk_reports",
        "surveys.view_survey",
        "surveys.export_survey_answers",
        # Reads the social posts (the listening API and pages) but does no webcare work on them.
        "listening.view_post",
    ],
    Role.PRIVACY_OFFICER: [
        "customers.view_customer",
        "orders.view_order",
        "privacy.view_datasubjectrequest",
        "privacy.add_datasubjectrequest",
        "privacy.change_datasubjectrequest",
        "privacy.approve_erasure",
        "privacy.view_privacy_records",
        "privacy.view_auditentry",
        "privacy.view_attributedeclaration",
        "privacy.add_attributedeclaration",
        "privacy.change_attributedeclaration",
    ],
}
SIDOS_APPS = [
    "accounts", "customers", "mail", "orders", "privacy", "servicedesk", "surveys", "campaigns", "listening",
]


def sync_roles(**kwargs) -> None:
    all_sidos = Permission.objects.filter(content_type__app_label__in=SIDOS_APPS)
    admin, _created = Group.objects.get_or_create(name=Role.ADMIN)
    admin.permissions.set(all_sidos)
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(all_sidos.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
