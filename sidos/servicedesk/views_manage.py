"""Staff pages around the tickets: canned responses and the SLA and CSAT reports."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.servicedesk import reports
from sidos.servicedesk.forms import CannedResponseForm
from sidos.servicedesk.models import CannedResponse

REPORT_MONTHS = 12


@login_required
@permission_required("servicedesk.view_cannedresponse", raise_exception=True)
def canned_list(request):
    form = CannedResponseForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("servicedesk.add_cannedresponse"):
            return render(request, "403.html", status=403)
        if form.is_valid():
            canned = form.save(commit=False)
            canned.created_by = request.user
            canned.save()
            audit.record(request.user, AuditAction.CREATE, "canned_response", canned.pk, summary=canned.title)
            messages.success(request, _("Canned response saved."))
            return redirect("servicedesk:canned")
    return render(
        request,
        "servicedesk/canned.html",
        {"form": form, "responses": CannedResponse.objects.select_related("queue")},
    )


@login_required
@permission_required("servicedesk.change_cannedresponse", raise_exception=True)
def canned_edit(request, pk: int):
    canned = get_object_or_404(CannedResponse, pk=pk)
    if request.method == "POST" and request.POST.get("delete"):
        if not request.user.has_perm("servicedesk.delete_cannedresponse"):
            return render(request, "403.html", status=403)
        audit.record(request.user, AuditAction.DELETE, "canned_response", pk, summary=canned.title)
        canned.delete()
        messages.success(request, _("Canned response deleted."))
        return redirect("servicedesk:canned")
    form = CannedResponseForm(request.POST or None, instance=canned)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(request.user, AuditAction.UPDATE, "canned_response", pk, summary=canned.title)
        messages.success(request, _("Canned response saved."))
        return redirect("servicedesk:canned")
    return render(request, "servicedesk/canned_edit.html", {"form": form, "canned": canned})


@login_required
@permission_required("servicedesk.view_servicedesk_reports", raise_exception=True)
def reports_page(request):
    end = timezone.now() + dt.timedelta(days=1)
    start = (timezone.localtime() - dt.timedelta(days=31 * REPORT_MONTHS)).replace(day=1, hour=0, minute=0)
    return render(
        request,
        "servicedesk/reports.html",
        {"sla": reports.sla_attainment(start, end), "csat": reports.csat_summary(start, end)},
    )
