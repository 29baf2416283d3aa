"""Template context every staff page shares."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from sidos.accounts.models import Role

# Role.label is for the command line; the web app shows a translated name.
ROLE_LABELS = {
    Role.ADMIN: _("Admin"),
    Role.AGENT: _("Customer-service agent"),
    Role.MARKETER: _("Marketer"),
    Role.ANALYST: _("Analyst"),
    Role.PRIVACY_OFFICER: _("Privacy officer"),
    Role.WEBCARE: _("Webcare"),
}


def staff_role(request) -> dict:
    """`staff_role`: the translated role of the signed-in user, looked up only when a template shows it."""

    def role():
        user = getattr(request, "user", None)
        if not user or not user.is_authenticated:
            return ""
        names = [group.name for group in user.groups.all() if group.name in ROLE_LABELS]
        return ", ".join(str(ROLE_LABELS[name]) for name in sorted(names))

    return {"staff_role": SimpleLazyObject(role)}
