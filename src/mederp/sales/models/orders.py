"""Sales orders and their lines (经营办法 第三十八条; CN-03, CN-09)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mederp.catalog.models import Jurisdiction
from mederp.inventory.models.stock import quantity_field

PRICE_DIGITS, PRICE_PLACES = 18, 4
AMOUNT_DIGITS, AMOUNT_PLACES = 18, 2


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    CONFIRMED = "confirmed", _("confirmed")
    ALLOCATED = "allocated", _("allocated")
    PICKED = "picked", _("picked")
    REVIEWED = "reviewed", _("reviewed")
    SHIPPED = "shipped", _("shipped")
    CANCELLED = "cancelled", _("cancelled")


class SalesOrder(models.Model):
    """An order from a qualified customer (购货者; 经营办法 第三十八条; invariant 6).

    The status moves only through the workflow (:mod:`mederp.sales.review`): confirmed when
    the customer gates pass, allocated by FEFO, picked by scan, reviewed by a second person's
    signature (出库复核), shipped.
    """

    Status = OrderStatus

    number = models.CharField(_("number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="sales_orders",
        verbose_name=_("customer"),
    )
    ship_to_address = models.CharField(_("ship-to address"), max_length=300)
    # The market the devices are sold into: whose registration certificate must be valid.
    market = models.CharField(
        _("market"), max_length=4, choices=Jurisdiction.choices, default=Jurisdiction.CN
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    customer_reference = models.CharField(
        _("customer's reference"), max_length=64, blank=True, default=""
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        permissions = [
            ("confirm_salesorder", "Can confirm sales orders (customer gates)"),
            ("allocate_salesorder", "Can allocate stock to sales orders (FEFO)"),
            ("pick_salesorder", "Can confirm picking by scan"),
            ("review_salesorder", "Can sign the outbound review (出库复核)"),
            ("ship_salesorder", "Can ship reviewed sales orders"),
            ("cancel_salesorder", "Can cancel sales orders"),
        ]
        indexes = [
            models.Index(fields=["status"], name="sales_order_status"),
            models.Index(fields=["customer"], name="sales_order_customer"),
        ]

    def __str__(self) -> str:
        return self.number


class SalesOrderLine(models.Model):
    """One product on an order, at a unit price (CN-09: quantity, unit price, amount)."""

    order = models.ForeignKey(
        SalesOrder, on_delete=models.PROTECT, related_name="lines", verbose_name=_("order")
    )
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = quantity_field(_("quantity"))
    unit_price = models.DecimalField(
        _("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["order_id", "line_no"]
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sales_line_no"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="sales_line_price"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"
