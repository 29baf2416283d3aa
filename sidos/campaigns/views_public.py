"""Public campaign endpoints: open pixel, click redirect, unsubscribe (page and RFC 8058 POST), signup."""

import base64
import datetime as dt
import hashlib

from django import forms
from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from sidos.campaigns import actions, tokens
from sidos.campaigns.composing import campaign_links
from sidos.campaigns.models import Delivery, SignupAttempt
from sidos.customers.models import Customer

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _delivery(token: str, salt: str) -> Delivery:
    try:
        pk = tokens.delivery_from(token, salt)
    except signing.BadSignature as error:
        raise Http404("invalid or expired link") from error
    try:
        return Delivery.objects.select_related("customer", "campaign").get(pk=pk)
    except Delivery.DoesNotExist as error:
        raise Http404("no such delivery") from error


@never_cache
def open_pixel(request, token: str):
    try:
        delivery = _delivery(token, tokens.OPEN)
    except Http404:
        delivery = None  # a mail client shows a broken image for a 404; an unknown pixel is just not counted
    if delivery is not None:
        actions.record_open(delivery)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
def click(request, token: str):
    try:
        delivery_id, url = tokens.click_from(token)
    except signing.BadSignature as error:
        raise Http404("invalid or expired link") from error
    delivery = Delivery.objects.select_related("customer", "campaign").filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("no such delivery")
    # Signed, but checked again: a redirect only ever leads where the campaign's own content pointed.
    if url not in campaign_links(delivery.campaign.variants.all()):
        return HttpResponseBadRequest("This link does not belong to the campaign.")
    actions.record_click(delivery, url)
    return HttpResponseRedirect(url)


@csrf_exempt  # RFC 8058: the mail provider POSTs without our cookies; the signed token is the authority
@never_cache
def unsubscribe(request, token: str):
    delivery = _delivery(token, tokens.UNSUBSCRIBE)
    if request.method == "POST":
        actions.unsubscribe(delivery)
        return render(request, "campaigns/public/unsubscribed.html", {"address": delivery.address})
    # A GET changes nothing: link scanners open every link in a mail.
    return render(request, "campaigns/public/unsubscribe.html", {"address": delivery.address})


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("fi", "suomi"), ("sv", "svenska"), ("en", "English")], initial="fi"
    )
    website = forms.CharField(required=False, label="Website")  # honeypot: people leave it empty


def _client_hash(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:signup:{address}".encode()).hexdigest()


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        client = _client_hash(request)
        hour_ago = timezone.now() - dt.timedelta(hours=1)
        SignupAttempt.objects.filter(created_at__lt=hour_ago - dt.timedelta(days=1)).delete()
        if SignupAttempt.objects.filter(client_hash=client, created_at__gte=hour_ago).count() >= (
            settings.SIDOS_SIGNUP_PER_HOUR
        ):
            return render(
                request, "campaigns/public/signup.html", {"form": form, "limited": True}, status=429
            )
        SignupAttempt.objects.create(client_hash=client)
        if form.is_valid():
            data = form.cleaned_data
            if not data["website"]:
                actions.request_signup(
                    data["email"], first_name=data["first_name"], language=data["language"]
                )
            # The same answer whether the address was known, new or a bot's: nothing to learn from it.
            return render(request, "campaigns/public/signup_sent.html", {"address": data["email"]})
    return render(request, "campaigns/public/signup.html", {"form": form})


@never_cache
def confirm(request, token: str):
    try:
        customer_id, address = tokens.confirm_from(token)
    except signing.SignatureExpired:
        return render(request, "campaigns/public/confirm.html", {"expired": True}, status=410)
    except signing.BadSignature as error:
        raise Http404("invalid link") from error
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise Http404("no such subscriber")
    if request.method == "POST":
        actions.confirm_signup(customer, address)
        return render(request, "campaigns/public/confirm.html", {"done": True, "address": address})
    return render(request, "campaigns/public/confirm.html", {"address": address})
