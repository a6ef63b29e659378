"""Procurement: purchase orders and receipts with GSP acceptance (采购, 验收; CN-08).

A purchase order moves through its workflow (:mod:`.approval`): draft, submitted, approved by a
signature, partially received, received, or cancelled. A :class:`Receipt` is the 进货查验记录:
what arrived, from whom, checked by whom and when, with every field 经营办法 第三十二条 asks for,
copied at the time of receipt so the record stays what the inspector saw even if master data
changes later. Receipts are never edited; stock corrections go through the ledger's reversals.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from mederp.catalog.models import Jurisdiction
from mederp.inventory.models.stock import quantity_field

PRICE_DIGITS, PRICE_PLACES = 18, 4


class OrderState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    PARTIALLY_RECEIVED = "partially_received", _("partially received")
    RECEIVED = "received", _("received")
    CANCELLED = "cancelled", _("cancelled")


class PurchaseOrder(models.Model):
    """An order to a qualified supplier (条例 第四十五条; 经营办法 第三十一条; CN-04 gates)."""

    State = OrderState

    number = models.CharField(_("number"), max_length=32, unique=True)
    supplier = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("supplier"),
    )
    # The market the goods are bought for: whose registration certificate must be valid.
    market = models.CharField(
        _("market"), max_length=4, choices=Jurisdiction.choices, default=Jurisdiction.CN
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_date = models.DateField(_("expected delivery"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    # Changed only by the workflow (core.workflow), never by an edit.
    state = models.CharField(
        _("state"), max_length=20, choices=OrderState.choices, default=OrderState.DRAFT
    )
    created_at = models.DateTimeField(_("created"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        permissions = [("approve_purchaseorder", "Can approve purchase orders by signature")]
        indexes = [models.Index(fields=["state"], name="procurement_po_state")]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    """One product on an order. ``accepted_quantity`` went into quarantine stock;
    ``rejected_quantity`` was refused at acceptance and never entered stock."""

    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="lines", verbose_name=_("order")
    )
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = quantity_field(_("quantity ordered"))
    unit_price = models.DecimalField(
        _("unit price"), max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES
    )
    accepted_quantity = quantity_field(_("quantity accepted"), default=0)
    rejected_quantity = quantity_field(_("quantity rejected"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["order_id", "line_no"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="procurement_line_no"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="procurement_line_qty"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="procurement_line_price"),
            models.CheckConstraint(
                condition=Q(accepted_quantity__gte=0)
                & Q(rejected_quantity__gte=0)
                & Q(accepted_quantity__lte=F("quantity")),
                name="procurement_line_accepted_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"


class AcceptanceResult(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    PARTIAL = "partial", _("partially accepted")
    REJECTED = "rejected", _("rejected")


class Receipt(models.Model):
    """进货查验记录 (经营办法 第三十二条; 条例 第四十五条; CN-08): goods received against an
    order and inspected. Supplier name, address and contact are copied as they were.

    The receipt's number comes from its primary key (:attr:`number`), not from a counter:
    receipts are the busiest document, and a counter row would serialise every receipt's whole
    transaction behind one lock.
    """

    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("order")
    )
    supplier = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    supplier_name = models.CharField(_("supplier name"), max_length=200)
    supplier_address = models.CharField(_("supplier address"), max_length=300, blank=True)
    supplier_contact = models.CharField(_("supplier contact"), max_length=200, blank=True)
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received into"),
    )
    received_at = models.DateTimeField(_("received"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspector"),
    )
    inspector_name = models.CharField(_("inspector"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return receipt_number(self.pk)


def receipt_number(pk: int | None) -> str:
    return f"GR{pk:08d}" if pk is not None else "GR-"


def receipt_id_from_number(text: str) -> int | None:
    """``GR00000042`` (or ``42``) -> 42; ``None`` when it is neither."""
    digits = text.strip().upper().removeprefix("GR")
    return int(digits) if digits.isdigit() else None


class ReceiptLine(models.Model):
    """One product, lot or serial received and inspected, with the acceptance fields of
    CN-08 copied from master data at the time of receipt, and the raw scan (DI-02)."""

    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, related_name="lines", verbose_name=_("receipt")
    )
    line_no = models.PositiveIntegerField(_("line"))
    order_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines"
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    product_code = models.CharField(_("product code"), max_length=32)
    product_name = models.CharField(_("product name"), max_length=200)
    specification = models.CharField(_("specification / model"), max_length=200, blank=True)
    registration_number = models.CharField(_("registration certificate"), max_length=100)
    registrant = models.CharField(_("registrant / holder"), max_length=200, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    udi_di = models.CharField(_("UDI-DI"), max_length=40, blank=True)
    lot_number = models.CharField(_("lot number"), max_length=64, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    manufacture_date = models.DateField(_("manufacture date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity_received = quantity_field(_("quantity received"))
    quantity_accepted = quantity_field(_("quantity accepted"))
    quantity_rejected = quantity_field(_("quantity rejected"))
    result = models.CharField(_("acceptance result"), max_length=16, choices=AcceptanceResult)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, default="")
    raw_scan = models.TextField(_("scanned code"), blank=True, default="")
    scan_sha256 = models.CharField(_("scan SHA-256"), max_length=64, blank=True, default="")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    move = models.ForeignKey(
        "inventory.Move", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["receipt_id", "line_no"]
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["receipt", "line_no"], name="procurement_rline_no"),
            models.CheckConstraint(
                condition=Q(quantity_received__gt=0)
                & Q(quantity_accepted__gte=0)
                & Q(quantity_rejected__gte=0)
                & Q(quantity_received=F("quantity_accepted") + F("quantity_rejected")),
                name="procurement_rline_quantities",
            ),
        ]
        indexes = [models.Index(fields=["lot_number"], name="procurement_rline_lot")]

    def __str__(self) -> str:
        return f"{self.receipt_id}/{self.line_no}"

    @property
    def raw_scan_display(self) -> str:
        """The raw scan with its group separators made visible (a page cannot show ASCII 29)."""
        return self.raw_scan.replace("\x1d", "<GS>")
