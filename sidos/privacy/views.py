"""Staff pages of the privacy app: the data-subject request queue and a request's page with its decision.

The audit log and the record of processing are in views_records.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sidos.customers.exporting import find_customer
from sidos.privacy import actions, audit
from sidos.privacy.forms import DecisionForm, NewRequestForm, RequestFilterForm
from sidos.privacy.models import AuditAction, AuditEntry, DataSubjectRequest

PAGE_SIZE = 25
TRAIL = 50


@login_required
@permission_required("privacy.view_datasubjectrequest", raise_exception=True)
def request_list(request):
    now = timezone.now()
    form = RequestFilterForm(request.GET)
    requests = form.filter(DataSubjectRequest.objects.select_related("customer"), now).order_by(
        "due_at", "id"
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(dsr, dsr.sla_state(now)) for dsr in page.object_list]
    return render(request, "privacy/requests.html", {"form": form, "page": page, "rows": rows, "now": now})


@login_required
@permission_required("privacy.add_datasubjectrequest", raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_new(request):
    form = NewRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = find_customer(form.cleaned_data["customer"])
        if customer is None:
            form.add_error("customer", _("No customer matches this."))
        else:
            dsr = actions.create_request(
                request.user, customer, form.cleaned_data["kind"], note=form.cleaned_data["note"]
            )
            return redirect("privacy:request", dsr.pk)
    return render(request, "privacy/request_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required("privacy.view_datasubjectrequest", raise_exception=True)
def request_detail(request, pk: int):
    dsr = get_object_or_404(
        DataSubjectRequest.objects.select_related("customer", "receipt", "decided_by"), pk=pk
    )
    audit.record(
        request.user,
        AuditAction.VIEW,
        "privacy.request",
        dsr.pk,
        customer_id=dsr.customer_id_at_receipt,
        summary="viewed a data-subject request",
    )
    trail = None
    if request.user.has_perm("privacy.view_privacy_records"):
        trail = AuditEntry.objects.filter(customer_id=dsr.customer_id_at_receipt).select_related("actor")[
            :TRAIL
        ]
    return render(
        request,
        "privacy/request.html",
        {"dsr": dsr, "sla": dsr.sla_state(), "trail": trail, "decision": DecisionForm()},
    )


@login_required
@permission_required("privacy.approve_erasure", raise_exception=True)
@require_POST
def request_decide(request, pk: int):
    dsr = get_object_or_404(DataSubjectRequest, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("privacy:request", dsr.pk)
    try:
        if form.cleaned_data["decision"] == "approve":
            dsr = actions.approve_request(request.user, dsr, note=form.cleaned_data["note"])
            if dsr.receipt_id:
                messages.success(request, _("Approved: the customer's personal data is erased."))
            else:
                messages.success(request, _("Approved and marked done."))
        else:
            actions.reject_request(request.user, dsr, note=form.cleaned_data["note"])
            messages.success(request, _("Rejected."))
    except (actions.RequestError, actions.ErasureError) as error:
        messages.error(request, str(error))
    return redirect("privacy:request", dsr.pk)
