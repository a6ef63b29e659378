"""What a recall stands on: the distribution record of every unit shipped, and returns.

经营办法 第三十八条 and 条例 第四十五条 (CN-09): a wholesale sales record holds the device's name,
model/specification, registration number, quantity, unit price and amount, lot or serial number
with its expiry, the date of sale, the registrant and manufacturer, and the buyer's name,
address, contact and licence number. The record copies each of them at shipment, so it stays
what was shipped even when master data changes later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mederp.inventory.models.stock import quantity_field
from mederp.sales.models.fulfilment import Allocation, Shipment
from mederp.sales.models.orders import (
    AMOUNT_DIGITS,
    AMOUNT_PLACES,
    PRICE_DIGITS,
    PRICE_PLACES,
    SalesOrder,
    SalesOrderLine,
)


class DistributionRecord(models.Model):
    """One shipped lot or serial of one order line (销售记录, CN-09; ISO 13485 §7.5.9.2;
    21 CFR 820.160). Append-only: a database trigger refuses UPDATE and DELETE (invariant 2),
    a return is a record of its own that cites this one."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="records")
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="+")
    allocation = models.OneToOneField(Allocation, on_delete=models.PROTECT, related_name="record")
    move = models.OneToOneField("inventory.Move", on_delete=models.PROTECT, related_name="+")
    order_number = models.CharField(_("order"), max_length=32)
    shipment_number = models.CharField(_("shipment"), max_length=32)
    shipped_at = models.DateTimeField(_("shipped"))
    shipped_on = models.DateField(_("date of sale"))
    # The buyer (购货者).
    customer = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    customer_code = models.CharField(_("customer code"), max_length=32)
    customer_name = models.CharField(_("customer"), max_length=200)
    customer_address = models.CharField(_("delivery address"), max_length=300)
    customer_contact = models.CharField(_("contact"), max_length=200, blank=True, default="")
    customer_licence = models.CharField(
        _("customer's licence or filing number"), max_length=100, blank=True, default=""
    )
    # The device.
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    product_code = models.CharField(_("product code"), max_length=32)
    product_name = models.CharField(_("device name"), max_length=200)
    specification = models.CharField(_("model / specification"), max_length=200, blank=True)
    gtin = models.CharField(_("UDI-DI (GTIN)"), max_length=14)
    registration_number = models.CharField(
        _("registration certificate or filing number"), max_length=100, blank=True, default=""
    )
    registrant = models.CharField(_("registrant"), max_length=200, blank=True, default="")
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True, default="")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lot_number = models.CharField(_("lot number"), max_length=64, blank=True, default="")
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True, default="")
    manufacture_date = models.DateField(_("manufacture date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = quantity_field(_("quantity"))
    unit_price = models.DecimalField(
        _("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES
    )
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES
    )
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        ordering = ["-shipped_at", "id"]
        verbose_name = _("distribution record")
        verbose_name_plural = _("distribution records")
        default_permissions = ("view",)
        indexes = [
            # What a recall asks: who got this lot, this serial, this device?
            models.Index(fields=["product", "lot_number"], name="sales_record_lot"),
            models.Index(fields=["serial_number"], name="sales_record_serial"),
            models.Index(fields=["gtin", "lot_number"], name="sales_record_udi"),
            models.Index(fields=["customer", "shipped_on"], name="sales_record_customer"),
            models.Index(fields=["shipped_on"], name="sales_record_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_record_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_number} {self.product_code} {self.lot_number or self.serial_number}"


class SalesReturn(models.Model):
    """Goods a customer sent back, received into a returns (or quarantine) location and kept
    there until QA decides (TR-08; GSP 退货). It cites the shipment and the distribution record:
    only what was shipped to that customer can come back, at most as much as was shipped."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    record = models.ForeignKey(
        DistributionRecord,
        on_delete=models.PROTECT,
        related_name="returns",
        verbose_name=_("distribution record"),
    )
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = quantity_field(_("quantity"))
    to_location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    scan_raw = models.TextField(_("scanned code"), blank=True, default="")
    move = models.OneToOneField("inventory.Move", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_by_name = models.CharField(_("received by"), max_length=200)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sales return")
        verbose_name_plural = _("sales returns")
        default_permissions = ("add", "view")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sales_return_quantity"),
        ]

    def __str__(self) -> str:
        return self.number
