"""Fulfilment: allocations that reserve stock, picks confirmed by scan, the shipment."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mederp.inventory.models.stock import quantity_field
from mederp.sales.models.orders import SalesOrder, SalesOrderLine


class Allocation(models.Model):
    """Stock at one balance key (lot/serial, location) promised to an order line, backed by an
    inventory :class:`~mederp.inventory.models.Reservation` so no other order can take the same
    units (available = on hand − reserved). ``picked_quantity`` is what was confirmed by scan,
    ``shipped_quantity`` what left; a cancelled allocation gave its reservation back."""

    line = models.ForeignKey(
        SalesOrderLine,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("order line"),
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="+")
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = quantity_field(_("allocated"))
    picked_quantity = quantity_field(_("picked"), default=0)
    shipped_quantity = quantity_field(_("shipped"), default=0)
    reservation = models.ForeignKey(
        "inventory.Reservation", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["line_id", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_allocation_quantity"),
            models.CheckConstraint(
                condition=Q(picked_quantity__gte=0) & Q(picked_quantity__lte=F("quantity")),
                name="sales_allocation_picked_within",
            ),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0)
                & Q(shipped_quantity__lte=F("picked_quantity")),
                name="sales_allocation_shipped_within",
            ),
        ]

    def __str__(self) -> str:
        return f"allocation {self.pk}"

    @property
    def open_to_pick(self) -> Decimal:
        return self.quantity - self.picked_quantity


class Pick(models.Model):
    """One confirmed pick: what the picker scanned (kept raw, DI-02) and how many units of the
    allocation it covers. Picks are never edited; the reviewer checks them."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="picks", verbose_name=_("allocation")
    )
    quantity = quantity_field(_("quantity"))
    scan_raw = models.TextField(_("scanned code"))
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, default="")
    lot_number = models.CharField(_("lot number"), max_length=64, blank=True, default="")
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True, default="")
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("picker"),
    )
    picked_by_name = models.CharField(_("picker"), max_length=200)
    picked_at = models.DateTimeField(_("picked"))

    class Meta:
        ordering = ["allocation_id", "id"]
        verbose_name = _("pick")
        verbose_name_plural = _("picks")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_pick_quantity"),
        ]

    def __str__(self) -> str:
        return f"pick {self.pk}"


class Shipment(models.Model):
    """The goods of a reviewed order leaving for the customer: one per order. Each allocation
    leaves by one ledger move to its warehouse's customer location (document type
    ``sales.shipment``) and gets its distribution record."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    order = models.OneToOneField(
        SalesOrder, on_delete=models.PROTECT, related_name="shipment", verbose_name=_("order")
    )
    shipped_at = models.DateTimeField(_("shipped"))
    shipped_on = models.DateField(_("shipping date"))
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shipped_by_name = models.CharField(_("shipped by"), max_length=200)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True, default="")
    tracking_number = models.CharField(_("waybill number"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.number
