"""Public pages: the FAQ with search, the contact form, and the one-click satisfaction rating.

No login here, so nothing on these pages reveals a ticket's content beyond its reference.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sidos.servicedesk import actions
from sidos.servicedesk import csat as csat_links
from sidos.servicedesk.forms import ContactForm, CsatForm
from sidos.servicedesk.models import Channel, ContactAttempt, CsatRating, FaqArticle, FaqCategory, Ticket


def faq(request):
    query = request.GET.get("q", "").strip()[:200]
    articles = FaqArticle.objects.filter(is_published=True).select_related("category")
    category = request.GET.get("category", "")
    if category:
        articles = articles.filter(category__slug=category)
    if query:
        words = query.split()[:8]
        for word in words:
            articles = articles.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return render(
        request,
        "servicedesk/public/faq.html",
        {
            "articles": articles,
            "categories": FaqCategory.objects.all(),
            "query": query,
            "category": category,
        },
    )


def _client_hash(request) -> str:
    # Hashed with the secret key: the rate limit needs to tell clients apart, not to know who they are.
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def _rate_limited(client: str) -> bool:
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    ContactAttempt.objects.filter(created_at__lt=hour_ago - dt.timedelta(days=1)).delete()
    recent = ContactAttempt.objects.filter(client_hash=client, created_at__gte=hour_ago).count()
    return recent >= settings.SIDOS_CONTACT_FORM_PER_HOUR


def contact(request):
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        client = _client_hash(request)
        if _rate_limited(client):
            return render(
                request,
                "servicedesk/public/contact.html",
                {"form": form, "limited": True},
                status=429,
            )
        ContactAttempt.objects.create(client_hash=client)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                # A bot filled the hidden field: look the same as success, create nothing.
                return redirect("help:contact_thanks")
            try:
                ticket = actions.open_ticket(
                    None,
                    subject=data["subject"],
                    body=data["message"],
                    channel=Channel.WEB_FORM,
                    ticket_type=data["ticket_type"],
                    email=data["email"],
                    name=data["name"],
                    audit_channel="web",
                )
            except actions.TicketError as error:
                form.add_error("email" if error.field == "email" else None, str(error))
            else:
                request.session["contact_reference"] = ticket.reference
                return redirect("help:contact_thanks")
    return render(request, "servicedesk/public/contact.html", {"form": form})


def contact_thanks(request):
    return render(
        request, "servicedesk/public/thanks.html", {"reference": request.session.pop("contact_reference", "")}
    )


def csat(request, token: str):
    try:
        ticket_id = csat_links.ticket_id_from(token)
    except signing.SignatureExpired:
        return render(
            request, "servicedesk/public/csat.html", {"error": _("This link has expired.")}, status=410
        )
    except signing.BadSignature:
        return render(
            request, "servicedesk/public/csat.html", {"error": _("This link is not valid.")}, status=400
        )
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    form = CsatForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            actions.record_csat(ticket, form.cleaned_data["score"], form.cleaned_data["comment"])
            return render(
                request, "servicedesk/public/csat.html", {"thanks": True, "reference": ticket.reference}
            )
    elif request.GET.get("score") in {"1", "2", "3", "4", "5"}:
        # One click: the score in the mailed link counts at once; the page then offers a comment and a
        # change of mind (the latest rating wins, so a link scanner's visit is corrected by the customer's).
        actions.record_csat(ticket, int(request.GET["score"]))
    existing = CsatRating.objects.filter(ticket=ticket).first()
    if existing and request.method != "POST":
        form = CsatForm(initial={"score": existing.score, "comment": existing.comment})
    return render(
        request,
        "servicedesk/public/csat.html",
        {"form": form, "reference": ticket.reference, "existing": existing},
    )
