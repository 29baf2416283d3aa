"""The audit log (browse, filter, CSV) and the record of processing, for the privacy officer and admins."""

import csv

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sidos.lib.paginator import CappedPaginator
from sidos.privacy import audit
from sidos.privacy.attributes import attribute_rows
from sidos.privacy.forms import AttributeDeclarationForm, AuditFilterForm
from sidos.privacy.models import AttributeDeclaration, AuditAction, AuditEntry
from sidos.privacy.registry import LegalBasis, Purpose, data_kinds
from sidos.privacy.retention import rules

PAGE_SIZE = 50
CSV_COLUMNS = [
    "created_at",
    "actor",
    "channel",
    "action",
    "target_type",
    "target_id",
    "customer_id",
    "summary",
]


def _entries(form: AuditFilterForm):
    # actor_label is the name as written at the time, so no join is needed to show or export it.
    return form.filter(AuditEntry.objects.all()).order_by("-created_at", "-id")


@login_required
@permission_required("privacy.view_privacy_records", raise_exception=True)
def audit_log(request):
    form = AuditFilterForm(request.GET)
    page = CappedPaginator(_entries(form), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # the log as it was before this read is recorded
    audit.record(request.user, AuditAction.VIEW, "privacy.audit", summary="viewed the audit log")
    return render(request, "privacy/audit.html", {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


@login_required
@permission_required("privacy.view_privacy_records", raise_exception=True)
def audit_csv(request):
    form = AuditFilterForm(request.GET)
    rows = _entries(form).values_list(
        "created_at", "actor_label", "channel", "action", "target_type", "target_id", "customer_id", "summary"
    )
    audit.record(
        request.user,
        AuditAction.EXPORT,
        "privacy.audit",
        summary="exported the audit log",
        changes={"filters": {key: str(value) for key, value in (form.cleaned_data or {}).items() if value}},
    )
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def lines():
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        for row in rows.iterator(2000):
            yield writer.writerow([timezone.localtime(row[0]).isoformat(), *row[1:]])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate().isoformat()}.csv"'
    return response


def _processing_rows() -> list[dict]:
    retention = {rule.kind: rule for rule in rules()}
    purposes, bases = dict(Purpose.choices), dict(LegalBasis.choices)
    return [
        {
            "key": kind.key,
            "label": kind.label,
            "purposes": [purposes.get(purpose, purpose) for purpose in kind.purposes],
            "legal_basis": bases.get(kind.legal_basis, kind.legal_basis),
            "retention": retention[kind.key].describe() if kind.key in retention else kind.retention,
            "on_erasure": kind.on_erasure,
        }
        for kind in data_kinds()
    ]


@login_required
@permission_required("privacy.view_privacy_records", raise_exception=True)
def processing(request):
    declared, undeclared = attribute_rows()
    context = {"rows": _processing_rows(), "declared": declared, "undeclared": undeclared}
    context["can_declare"] = request.user.has_perm("privacy.change_attributedeclaration")
    context["form"] = AttributeDeclarationForm() if context["can_declare"] else None
    return render(request, "privacy/processing.html", context)


@login_required
@permission_required("privacy.change_attributedeclaration", raise_exception=True)
@require_http_methods(["POST"])
def declare_attribute(request):
    """Declare (or re-declare) a custom attribute key's purpose, legal basis and retention."""
    existing = AttributeDeclaration.objects.filter(key=request.POST.get("key", "").strip()).first()
    form = AttributeDeclarationForm(request.POST, instance=existing)
    if not form.is_valid():
        declared, undeclared = attribute_rows()
        context = {"rows": _processing_rows(), "declared": declared, "undeclared": undeclared}
        context.update(can_declare=True, form=form)
        return render(request, "privacy/processing.html", context, status=400)
    declaration = form.save()
    audit.record(
        request.user,
        AuditAction.UPDATE if existing else AuditAction.CREATE,
        "privacy.attribute",
        declaration.pk,
        summary=f"declared attribute {declaration.key}",
        changes={"purpose": declaration.purpose, "legal_basis": declaration.legal_basis},
    )
    return redirect("privacy:processing")


@login_required
@permission_required("privacy.view_privacy_records", raise_exception=True)
def processing_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="record-of-processing.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(["data kind", "what", "purposes", "legal basis", "retention", "on erasure"])
    declared, undeclared = attribute_rows()
    purposes, bases = dict(Purpose.choices), dict(LegalBasis.choices)
    for declaration in declared:
        writer.writerow(
            [
                f"attribute.{declaration.key}",
                "custom attribute",
                purposes.get(declaration.purpose, declaration.purpose),
                bases.get(declaration.legal_basis, declaration.legal_basis),
                declaration.retention,
                "erased with the customer",
            ]
        )
    for key in undeclared:
        writer.writerow([f"attribute.{key}", "custom attribute", "undeclared: needs a purpose", "", "", ""])
    for row in _processing_rows():
        writer.writerow(
            [
                row["key"],
                row["label"],
                "; ".join(map(str, row["purposes"])),
                row["legal_basis"],
                row["retention"],
                row["on_erasure"],
            ]
        )
    return response
