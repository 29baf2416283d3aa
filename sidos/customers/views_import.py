"""The import page: upload a customers or orders CSV, see what it did, download the rejected rows."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sidos.customers.forms import ImportForm
from sidos.customers.importing import CustomerImporter
from sidos.customers.importjob import run_import
from sidos.customers.models import ImportKind, ImportRun
from sidos.lib.csvfiles import UnreadableFile
from sidos.orders.importing import OrderImporter

RECENT_RUNS = 20


@login_required
@permission_required("customers.import_customer", raise_exception=True)
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = upload.name
        if form.cleaned_data["kind"] == ImportKind.ORDERS:
            importer = OrderImporter(
                name, actor=request.user, create_customers=form.cleaned_data["create_customers"]
            )
        else:
            importer = CustomerImporter(name, actor=request.user)
        # The import runs inside the request: fine for the few-megabyte files people upload here (the form
        # refuses files over WEB_IMPORT_MAX_MB). Larger files go through `sidos import-customers`; this can
        # move to a Django Tasks background task with a progress page when web uploads grow.
        try:
            summary = run_import(
                importer,
                upload,
                name,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                channel="web",
            )
        except UnreadableFile as error:
            form.add_error(
                "file",
                _("The file could not be read, so nothing was imported: %(reason)s") % {"reason": error},
            )
        else:
            if summary.rejected:
                messages.warning(request, _("Import finished; some rows were rejected."))
            else:
                messages.success(request, _("Import finished."))
            return redirect("customers:import_run", pk=summary.import_id)
    runs = ImportRun.objects.select_related("user")[:RECENT_RUNS]
    return render(request, "customers/import.html", {"form": form, "runs": runs})


@login_required
@permission_required("customers.import_customer", raise_exception=True)
def import_run(request, pk: int):
    run = get_object_or_404(ImportRun.objects.select_related("user"), pk=pk)
    return render(request, "customers/import_run.html", {"run": run})


@login_required
@permission_required("customers.import_customer", raise_exception=True)
def import_errors(request, pk: int):
    run = get_object_or_404(ImportRun, pk=pk)
    # errors_path is written by run_import, never taken from the request.
    path = Path(run.errors_path) if run.errors_path else None
    if path is None or not path.is_file():
        raise Http404(_("This import has no error report."))
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{run.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )
