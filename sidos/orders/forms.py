"""The orders list filter."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.orders.models import Channel, OrderStatus


class OrderFilterForm(forms.Form):
    # A customer id, not a choice list: there can be a million customers. The 360 page links here with it.
    customer = forms.IntegerField(label=_("Customer"), required=False, min_value=1, widget=forms.HiddenInput)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *OrderStatus.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, queryset):
        self.is_valid()
        data = self.cleaned_data  # only the fields that validated
        if data.get("customer"):
            queryset = queryset.filter(customer_id=data["customer"])
        if data.get("channel"):
            queryset = queryset.filter(channel=data["channel"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        # Dates are days in the site's time zone; "to" includes the whole day.
        if data.get("since"):
            queryset = queryset.filter(ordered_at__gte=_start_of(data["since"]))
        if data.get("until"):
            queryset = queryset.filter(ordered_at__lt=_start_of(data["until"] + dt.timedelta(days=1)))
        return queryset


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
