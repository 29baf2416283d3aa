"""The defaults a fresh install starts with: one queue for agents, office hours, the 48-hour promise."""

from django.db import migrations

QUEUE = "General"
CALENDAR = "Office hours (Finland)"
POLICY = "Default: first response within 48 hours"


def create_defaults(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Queue = apps.get_model("servicedesk", "Queue")
    BusinessCalendar = apps.get_model("servicedesk", "BusinessCalendar")
    SlaPolicy = apps.get_model("servicedesk", "SlaPolicy")
    queue, _created = Queue.objects.get_or_create(name=QUEUE, defaults={"is_default": True})
    # The same group the role sync keeps (accounts.roles); created here if this migration runs first.
    agents, _created = Group.objects.get_or_create(name="agent")
    queue.groups.add(agents)
    BusinessCalendar.objects.get_or_create(
        name=CALENDAR,
        defaults={
            "time_zone": "Europe/Helsinki",
            "hours": {str(day): [[8 * 60, 16 * 60]] for day in range(5)},
            "holiday_country": "FI",
        },
    )
    # No calendar: 48 real hours, as promised to customers, whatever the office hours.
    SlaPolicy.objects.get_or_create(name=POLICY, defaults={"first_response_minutes": 48 * 60})


def remove_defaults(apps, schema_editor):
    apps.get_model("servicedesk", "SlaPolicy").objects.filter(name=POLICY).delete()
    apps.get_model("servicedesk", "BusinessCalendar").objects.filter(name=CALENDAR).delete()
    apps.get_model("servicedesk", "Queue").objects.filter(name=QUEUE, tickets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(create_defaults, remove_defaults)]
