"""The customer portal under /portal/: log in by e-mail link, see and download your data, change consents.

No URL here carries a customer id: every page works on the customer of the portal session, so there is
nothing to change in a link to reach someone else.
"""

import time

from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from sidos.customers.actions import CustomerError
from sidos.customers.exporting import customer_archive, customer_document
from sidos.customers.models import ConsentChannel, ConsentPurpose, Customer
from sidos.privacy import actions
from sidos.privacy.models import AuditAction
from sidos.privacy.portal_auth import end_session, portal_login_required, session_link, start_session
from sidos.privacy.portal_insights import rhythm, segment_text, spending


class AddressForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(choices=[("1", "yes"), ("0", "no")], coerce=lambda value: value == "1")


def _answer_floor() -> float:
    # Every answer to a link request takes at least this long, so timing does not tell whether the
    # address is on file (queueing the mail is the only extra work for a known one).
    return getattr(settings, "SIDOS_PORTAL_ANSWER_SECONDS", 0.6)


def _link_base(request) -> str:
    """The configured public address, not the request's Host header: a forged Host must not make us
    mail a customer a link (and its token) pointing at someone else's server."""
    path = reverse("portal:login_link_base")
    if settings.SIDOS_PUBLIC_URL:
        return settings.SIDOS_PUBLIC_URL.rstrip("/") + path
    return request.build_absolute_uri(path)  # the host was checked against ALLOWED_HOSTS


@require_http_methods(["GET", "POST"])
def login(request):
    if request.method == "GET" and session_link(request) is not None:
        return redirect("portal:me")
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        started = time.monotonic()
        outcome = actions.request_login_link(
            form.cleaned_data["email"],
            ip=request.META.get("REMOTE_ADDR"),
            link_base=_link_base(request),
        )
        time.sleep(max(0.0, _answer_floor() - (time.monotonic() - started)))
        if outcome is actions.LinkOutcome.LIMITED:
            return render(request, "privacy/portal/limited.html", status=429)
        return render(request, "privacy/portal/sent.html")
    return render(request, "privacy/portal/login.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def login_link(request, token: str):
    """GET only asks to confirm: mail scanners that open links must not use up the one-time link."""
    if request.method == "POST":
        link = actions.redeem_login_link(token)
        if link is not None:
            response = redirect("portal:me")
            start_session(response, link)
            return response
    elif actions.link_for_token(token) is not None:
        return render(request, "privacy/portal/confirm.html")
    return render(request, "privacy/portal/bad_link.html", status=410)


@require_POST
@portal_login_required
def logout(request):
    actions.end_portal_session(request.portal_link)
    response = redirect("portal:login")
    end_session(response)
    return response


@portal_login_required
def me(request):
    customer = request.portal_customer
    document = customer_document(customer)
    actions.record_portal_read(customer, AuditAction.VIEW, "viewed own data in the portal")
    analytics = document["analytics"]
    label, meaning = segment_text(analytics["segment"] if analytics else "no_data")
    current = {(c["channel"], c["purpose"]): c for c in document["consents"]["current"]}
    consent_rows = [
        {
            "channel": channel,
            "channel_label": channel_label,
            "purpose": purpose,
            "purpose_label": purpose_label,
            "state": current.get((channel, purpose)),
        }
        for channel, channel_label in ConsentChannel.choices
        for purpose, purpose_label in ConsentPurpose.choices
    ]
    messages_by_ticket: dict[int, list] = {}
    for message in document["ticket_messages"]:
        messages_by_ticket.setdefault(message["ticket_id"], []).append(message)
    tickets = [
        {**ticket, "messages": messages_by_ticket.get(ticket["id"], [])} for ticket in document["tickets"]
    ]
    return render(
        request,
        "privacy/portal/me.html",
        {
            "customer": customer,
            "document": document,
            "profile_rows": _profile_rows(document["profile"]),
            "consent_rows": consent_rows,
            "tickets": tickets,
            "segment_label": label,
            "segment_meaning": meaning,
            "rhythm": rhythm(document["orders"], analytics and _Score(analytics)),
            "spending": spending(document["orders"]),
        },
    )


class _Score:
    """The analytics part of the document, read like a score row."""

    def __init__(self, data: dict):
        self.usual_gap_days = data.get("usual_gap_days")


# Export columns whose model field has another name; the others are named as the field.
FIELD_OF_COLUMN = {"customer_id": "external_id", "type": "kind", "id": None}


def _label(column: str) -> str:
    name = FIELD_OF_COLUMN.get(column, column)
    try:
        return str(Customer._meta.get_field(name).verbose_name).capitalize() if name else column
    except FieldDoesNotExist:
        return column


def _profile_rows(profile: dict) -> list[tuple[str, object]]:
    """(label, value) per profile field in the customer's language; custom attributes under their own key."""
    rows = []
    for key, value in profile.items():
        if key == "attributes":
            rows.extend((name, item) for name, item in value.items())
        elif key == "tags":
            rows.append((_label(key), ", ".join(value)))
        else:
            rows.append((_label(key), value))
    return rows


@portal_login_required
def download(request):
    customer = request.portal_customer
    archive = customer_archive(customer_document(customer))
    actions.record_portal_read(customer, AuditAction.EXPORT, "downloaded own data from the portal")
    response = HttpResponse(archive, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.zip"'
    return response


@require_POST
@portal_login_required
def consent(request):
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown consent choice."), status=400, content_type="text/plain")
    try:
        actions.change_consent_from_portal(request.portal_customer, **form.cleaned_data)
    except CustomerError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    return redirect(reverse("portal:me") + "#consents")
