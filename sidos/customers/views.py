from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render

from sidos.customers.models import Customer


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    customers = Customer.objects.search(request.GET.get("q", ""))[:50]
    return render(request, "customers/list.html", {"customers": customers})


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    return render(request, "customers/detail.html", {"customer": customer})
