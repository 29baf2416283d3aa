from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.customers.models import Customer


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


class Channel(models.TextChoices):
    WEB = "web", _("Web shop")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    MARKETPLACE = "marketplace", _("Marketplace")
    OTHER = "other", _("Other")


class Order(models.Model):
    external_id = models.CharField(_("order id"), max_length=100, null=True, blank=True, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    ordered_at = models.DateTimeField(_("ordered at"), db_index=True)
    # Negative amounts are returns and refunds; analytics decides how to count them.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    quantity = models.IntegerField(_("quantity"), default=1)
    # Free text so no source system's channel is lost; known spellings are mapped to Channel values.
    channel = models.CharField(_("channel"), max_length=50, blank=True, db_index=True)
    store = models.CharField(_("store"), max_length=100, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.COMPLETED
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        indexes = [models.Index(fields=["customer", "ordered_at"], name="order_per_customer")]

    def __str__(self) -> str:
        return self.external_id or f"#{self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(max_length=200)
    quantity = models.IntegerField(default=1)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"
