"""Staff pages that change customers. Each one checks access, validates a form and calls one action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sidos.customers.actions import (
    PROFILE_FIELDS,
    CustomerError,
    create_customer,
    merge_customers,
    record_consent,
    update_customer,
)
from sidos.customers.forms import ConsentForm, CustomerForm, MergeForm
from sidos.customers.models import Customer


def _show_error(form, error: CustomerError) -> None:
    """Put an action's error on the field it names, or on the form when the field is not on it."""
    form.add_error(error.field if error.field in form.fields else None, str(error))


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = create_customer(
                request.user, form.profile(), source=f"staff:{request.user.get_username()}"
            )
        except CustomerError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer})
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerForm.for_customer(customer, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changes = update_customer(
                request.user, customer, form.profile(), source=f"staff:{request.user.get_username()}"
            )
        except CustomerError as error:
            _show_error(form, error)
        else:
            if changes:
                messages.success(request, _("Changes saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_consent(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = record_consent(
                request.user,
                customer,
                channel=data["channel"],
                purpose=data["purpose"],
                granted=data["granted"],
                source=f"staff:{request.user.get_username()}",
                note=data["note"],
            )
        except CustomerError as error:
            _show_error(form, error)
        else:
            if consent is None:
                messages.info(request, _("The consent was already in that state; nothing was recorded."))
            else:
                messages.success(request, _("Consent recorded."))
            return redirect(customer)
    return render(request, "customers/consent.html", {"form": form, "customer": customer})


@login_required
@permission_required("customers.merge_customer", raise_exception=True)
def customer_merge(request, pk: int, other: int):
    """Confirm page for merging two customers: the person chooses which record stays."""
    customer = get_object_or_404(Customer, pk=pk)
    duplicate = get_object_or_404(Customer, pk=other)
    pair = [customer, duplicate]
    form = MergeForm(request.POST or None, customers=pair, initial={"keep": customer.pk})
    if request.method == "POST" and form.is_valid():
        keep, gone = (
            (customer, duplicate) if form.cleaned_data["keep"] == customer.pk else (duplicate, customer)
        )
        try:
            kept = merge_customers(request.user, keep, gone)
        except CustomerError as error:
            _show_error(form, error)
        else:
            messages.success(
                request, _("Merged %(gone)s into %(kept)s.") % {"gone": f"#{gone.pk}", "kept": kept}
            )
            return redirect(kept)
    return render(
        request,
        "customers/merge.html",
        {
            "form": form,
            "customer": customer,
            "duplicate": duplicate,
            "pair": pair,
            "fields": _comparison(pair),
        },
    )


def _comparison(pair: list[Customer]) -> list[tuple[str, list]]:
    # The profile as the two records show it side by side; tags and attributes are merged, not chosen.
    names = [*(name for name in PROFILE_FIELDS if name not in ("tags", "attributes")), "created_at"]
    rows = []
    for name in names:
        field = Customer._meta.get_field(name)
        values = []
        for customer in pair:
            display = getattr(customer, f"get_{name}_display", None)
            values.append(display() if display and getattr(customer, name) else getattr(customer, name))
        rows.append((field.verbose_name, values))
    rows.append((Customer._meta.get_field("tags").verbose_name, [", ".join(c.tags) for c in pair]))
    return rows
