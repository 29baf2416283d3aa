"""Staff forms of the privacy app: the request queue's filters, a new request, a decision, the audit log."""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.privacy.models import (
    OPEN_REQUEST_STATUSES,
    AttributeDeclaration,
    AuditAction,
    RequestKind,
    RequestStatus,
    SlaState,
)
from sidos.privacy.requests import AT_RISK_BEFORE

ANY = [("", _("Any"))]


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), ("all", _("All")), *RequestStatus.choices],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + RequestKind.choices)
    sla = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=ANY + [(state, label) for state, label in SlaState.choices if state != SlaState.CLOSED],
    )

    def filter(self, queryset, now: dt.datetime):
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or ""
        if status == "":
            queryset = queryset.filter(status__in=OPEN_REQUEST_STATUSES)
        elif status != "all":
            queryset = queryset.filter(status=status)
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        sla = data.get("sla")
        if sla:
            queryset = queryset.filter(status__in=OPEN_REQUEST_STATUSES)
            if sla == SlaState.BREACHED:
                queryset = queryset.filter(due_at__lte=now)
            elif sla == SlaState.AT_RISK:
                queryset = queryset.filter(due_at__gt=now, due_at__lte=now + AT_RISK_BEFORE)
            else:
                queryset = queryset.filter(due_at__gt=now + AT_RISK_BEFORE)
        return queryset


class NewRequestForm(forms.Form):
    customer = forms.CharField(label=_("Customer"), max_length=254, help_text=_("#id, customer id or e-mail"))
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Staff member or actor"), required=False, max_length=150)
    customer = forms.IntegerField(label=_("Customer #"), required=False, min_value=1)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=ANY + AuditAction.choices)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["actor"]:
            queryset = queryset.filter(Q(actor_label=data["actor"]) | Q(actor__username=data["actor"]))
        if data["customer"]:
            queryset = queryset.filter(customer_id=data["customer"])
        if data["action"]:
            queryset = queryset.filter(action=data["action"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            queryset = queryset.filter(created_at__gte=dt.datetime.combine(data["since"], dt.time(), zone))
        if data["until"]:
            end = dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time(), zone)
            queryset = queryset.filter(created_at__lt=end)
        return queryset


class AttributeDeclarationForm(forms.ModelForm):
    class Meta:
        model = AttributeDeclaration
        fields = ["key", "purpose", "legal_basis", "retention"]
