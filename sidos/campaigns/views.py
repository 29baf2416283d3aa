"""Staff pages: segments with a live count, campaigns (edit, preview, test send, send) and their report."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sidos.campaigns import actions, audience
from sidos.campaigns.composing import Composer
from sidos.campaigns.forms import CampaignForm, SegmentForm, TestSendForm
from sidos.campaigns.models import Campaign, CampaignStatus, Segment, TrackingEvent, TrackingKind
from sidos.campaigns.report import campaign_report
from sidos.campaigns.segments import SegmentError, validate
from sidos.customers.models import Customer
from sidos.mail.actions import queue_outbound
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

VIEW, CHANGE, SEND = "campaigns.view_campaign", "campaigns.change_campaign", "campaigns.send_campaign"
PREVIEW_CHOICES = 20


@login_required
@permission_required(VIEW, raise_exception=True)
def index(request):
    campaigns = Campaign.objects.select_related("segment")
    segments = Segment.objects.annotate(n_campaigns=Count("campaigns"))
    return render(request, "campaigns/index.html", {"campaigns": campaigns, "segments": segments})


def _segment_form_errors(form, error: SegmentError) -> None:
    for field, message in error.errors.items():
        form.add_error(field if field in form.fields else None, message)


@login_required
@permission_required(CHANGE, raise_exception=True)
def segment_edit(request, pk: int | None = None):
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    form = (
        SegmentForm(request.POST)
        if request.method == "POST"
        else (SegmentForm.for_segment(segment) if segment else SegmentForm())
    )
    if request.method == "POST" and form.is_valid():
        try:
            segment = actions.save_segment(
                request.user, form.cleaned_data["name"], form.definition(), segment=segment
            )
        except SegmentError as error:
            _segment_form_errors(form, error)
        else:
            messages.success(request, _("Segment saved."))
            return redirect("campaigns:index")
    return render(request, "campaigns/segment_form.html", {"form": form, "segment": segment})


@login_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def segment_count(request):
    """The live count for the editor: the form's filters, or a JSON definition in the body."""
    if request.content_type == "application/json":
        try:
            definition = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"errors": {"definition": "not valid JSON"}}, status=400)
    else:
        data = request.POST.copy()
        data.setdefault("name", "count")
        form = SegmentForm(data)
        if not form.is_valid():
            return JsonResponse({"errors": {k: " ".join(v) for k, v in form.errors.items()}}, status=400)
        definition = form.definition()
    try:
        members = Segment(definition=validate(definition)).customers()
    except SegmentError as error:
        return JsonResponse({"errors": error.errors}, status=400)
    return JsonResponse({"count": members.count(), "reachable": audience.eligible(members).count()})


@login_required
@permission_required(CHANGE, raise_exception=True)
def campaign_edit(request, pk: int | None = None):
    campaign = get_object_or_404(Campaign, pk=pk) if pk else None
    if campaign and campaign.status != CampaignStatus.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("campaigns:detail", pk=campaign.pk)
    initial = CampaignForm.initial_for(campaign) if campaign else {}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = actions.save_campaign(
                request.user,
                name=data["name"],
                segment=data["segment"],
                variants=form.variants(),
                control_share=data["control_share"],
                conversion_days=data["conversion_days"],
                from_email=data["from_email"],
                campaign=campaign,
            )
        except actions.CampaignError as error:
            for field, message in error.errors.items():
                name = field.removeprefix("variants.").replace(".", "_")
                form.add_error(name if name in form.fields else None, f"{field}: {message}")
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
@permission_required(VIEW, raise_exception=True)
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("segment"), pk=pk)
    members = campaign.segment.customers()
    context = {"campaign": campaign, "test_form": TestSendForm(), "can_send": request.user.has_perm(SEND)}
    if campaign.status == CampaignStatus.DRAFT:
        context["segment_count"] = members.count()
        context["reachable"] = audience.eligible(members).count()
        choices = list(audience.eligible(members).order_by("pk")[:PREVIEW_CHOICES])
        context["preview_choices"] = choices
        wanted = request.GET.get("customer")
        customer = None
        if wanted:
            customer = members.filter(pk=wanted if wanted.isdigit() else 0).first()
            if customer is None:
                raise Http404("not in the segment")
        elif choices:
            customer = choices[0]
        if customer is not None and campaign.variants.exists():
            context["preview_customer"] = customer
            context["preview"] = Composer(campaign).render(customer)
            audit.record(
                request.user,
                AuditAction.VIEW,
                "campaign_preview",
                campaign.pk,
                customer_id=customer.pk,
                summary=f"preview of {campaign.name}",
            )
    elif campaign.status != CampaignStatus.QUEUED:  # queued: no audience to report on yet
        context["report"] = campaign_report(campaign)
        context["links"] = (
            TrackingEvent.objects.filter(delivery__campaign=campaign, kind=TrackingKind.CLICK)
            .values("url")
            .annotate(n=Count("pk"))
            .order_by("-n", "url")[:20]
        )
    return render(request, "campaigns/campaign_detail.html", context)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def campaign_test_send(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = TestSendForm(request.POST)
    if not form.is_valid() or not campaign.variants.exists():
        messages.error(request, _("Give an e-mail address for the test."))
        return redirect("campaigns:detail", pk=pk)
    sample = audience.eligible(campaign.segment.customers()).order_by("pk").first() or Customer(
        first_name=request.user.first_name, email=form.cleaned_data["address"]
    )
    parts = Composer(campaign).render(sample)
    # A test goes to a staff address through the outbox: it is not marketing to a customer.
    queue_outbound(
        to=[form.cleaned_data["address"]],
        subject=f"[TEST] {parts['subject']}",
        text=parts["text"],
        html=parts["html"],
        purpose="campaign-test",
        related=f"campaign:{campaign.pk}",
    )
    audit.record(
        request.user,
        AuditAction.VIEW,
        "campaign_test",
        campaign.pk,
        customer_id=sample.pk,
        summary=f"test of {campaign.name} to {form.cleaned_data['address']}",
    )
    messages.success(request, _("Test message queued."))
    return redirect("campaigns:detail", pk=pk)


@login_required
@permission_required(SEND, raise_exception=True)
@require_POST
def campaign_send(request, pk: int):
    from sidos.campaigns.tasks import send_campaign

    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        with transaction.atomic():
            queued = actions.queue_send(campaign, request.user)
            if queued:
                # The audience is drawn by the task: a large segment must not hold the request.
                transaction.on_commit(lambda: send_campaign.enqueue(campaign.pk))
    except actions.CampaignError:
        messages.error(request, _("The campaign has no content to send."))
        return redirect("campaigns:detail", pk=pk)
    if not queued:
        messages.error(request, _("This campaign has already been sent."))
        return redirect("campaigns:detail", pk=pk)
    messages.success(request, _("Sending started."))
    return redirect("campaigns:detail", pk=pk)
