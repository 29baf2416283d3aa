from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render

from sidos.customers.models import Customer
from sidos.orders.forms import OrderFilterForm
from sidos.orders.models import Order

PAGE_SIZE = 50


@login_required
@permission_required("orders.view_order", raise_exception=True)
def order_list(request):
    form = OrderFilterForm(request.GET)
    orders = form.filter(Order.objects.select_related("customer")).order_by("-ordered_at", "-id")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    customer_id = form.cleaned_data.get("customer")
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    return render(request, "orders/list.html", {"form": form, "page": page, "customer": customer})
