"""The portal's requests: the customer asks for erasure, corrects contact details, verifies a new address."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from sidos.customers.actions import CustomerError
from sidos.privacy import actions
from sidos.privacy.models import OPEN_REQUEST_STATUSES, RequestKind
from sidos.privacy.portal_auth import portal_login_required


@require_http_methods(["GET", "POST"])
@portal_login_required
def erase(request):
    """GET explains what erasure means; POST files the request (the portal login proved who is asking)."""
    customer = request.portal_customer
    if request.method == "POST":
        dsr = actions.request_erasure_from_portal(customer)
        return render(request, "privacy/portal/erase_received.html", {"dsr": dsr})
    pending = customer.privacy_requests.filter(
        kind=RequestKind.ERASURE, status__in=OPEN_REQUEST_STATUSES
    ).first()
    return render(request, "privacy/portal/erase.html", {"pending": pending})


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)


def _verify_base(request) -> str:
    # The configured public address, never the Host header (see portal_views._link_base).
    path = reverse("portal:verify_email", args=["x"])[:-2]
    if settings.SIDOS_PUBLIC_URL:
        return settings.SIDOS_PUBLIC_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


@require_http_methods(["GET", "POST"])
@portal_login_required
def contact(request):
    customer = request.portal_customer
    initial = {name: getattr(customer, name) for name in ContactForm.base_fields}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes, mailed = actions.correct_from_portal(
                customer, form.cleaned_data, verify_base=_verify_base(request)
            )
        except CustomerError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            return render(
                request, "privacy/portal/contact_saved.html", {"changes": sorted(changes), "mailed": mailed}
            )
    return render(request, "privacy/portal/contact.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def verify_email(request, token: str):
    """GET only asks to confirm (mail scanners open links); POST makes the new address the primary one."""
    found = actions.read_email_change(token)
    if found is None:
        return render(request, "privacy/portal/bad_link.html", status=410)
    if request.method == "POST":
        try:
            actions.confirm_email_change(token)
        except actions.CorrectionError as error:
            return render(request, "privacy/portal/verified.html", {"error": str(error)}, status=409)
        return render(request, "privacy/portal/verified.html", {"address": found[1]})
    return render(request, "privacy/portal/verify_confirm.html", {"address": found[1]})
