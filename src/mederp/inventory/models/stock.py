"""The stock ledger: lots, serials, immutable moves and the balances derived from them.

Invariant 4 (TR-04): stock changes only by a :class:`Move`, which is append-only (database
trigger); a correction is a new move that cites the one it reverses. :class:`Balance` is the
running total per (product, lot, serial, location), updated in the move's transaction under row
locks, and ``mederp reconcile`` proves it equals the sum of the moves. docs/ledger.md is the
contract the other apps code against.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.inventory.models.locations import Location

QUANTITY_DIGITS = 18
QUANTITY_PLACES = 6


def quantity_field(verbose_name: str | object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,  # type: ignore[arg-type]
        max_digits=QUANTITY_DIGITS,
        decimal_places=QUANTITY_PLACES,
        **kwargs,  # type: ignore[arg-type]
    )


class StockStatus(models.TextChoices):
    """Status of a lot or serial (TR-04). "Expired" is not stored: it is computed from the expiry
    date against today and blocks like the others. Only ``released`` stock is available."""

    # A context of their own: "Quarantine" and "Rejected" are also zones (待验区, 不合格品区).
    QUARANTINE = "quarantine", pgettext_lazy("stock status", "Quarantine")
    RELEASED = "released", pgettext_lazy("stock status", "Released")
    REJECTED = "rejected", pgettext_lazy("stock status", "Rejected")
    ON_HOLD = "on_hold", pgettext_lazy("stock status", "On hold")
    RECALLED = "recalled", pgettext_lazy("stock status", "Recalled")


class Lot(models.Model):
    """A batch of one product with its dates (UDI-PI AI 10, 11, 17)."""

    Status = StockStatus

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="lots", verbose_name=_("product")
    )
    number = models.CharField(_("lot number"), max_length=64)
    manufacture_date = models.DateField(_("manufacture date"), null=True, blank=True)
    # Null only for products without a shelf life.
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=StockStatus.choices, default=StockStatus.QUARANTINE
    )
    # Set by receipt acceptance: QA's release signer must be someone else (segregation of duties).
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspector"),
    )
    created_at = models.DateTimeField(_("created"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product_id", "expiry_date", "number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        unique_together = [("product", "number")]
        permissions = [
            ("release_lot", "Can release or reject quarantined stock by signature (QA)"),
            ("hold_lot", "Can put a lot or serial on hold"),
            ("recall_lot", "Can mark a lot or serial recalled"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(manufacture_date__isnull=True)
                | Q(expiry_date__isnull=True)
                | Q(manufacture_date__lte=F("expiry_date")),
                name="inventory_lot_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}"

    def is_expired(self, on_date: dt.date) -> bool:
        """Expired on ``on_date``: usable up to and including the expiry date."""
        return self.expiry_date is not None and self.expiry_date < on_date


class Serial(models.Model):
    """One unit of a serial-tracked product (UDI-PI AI 21): in one place at a time, quantity 1."""

    Status = StockStatus

    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        related_name="serials",
        verbose_name=_("product"),
    )
    serial_number = models.CharField(_("serial number"), max_length=64)
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="serials",
        verbose_name=_("lot"),
    )
    manufacture_date = models.DateField(_("manufacture date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=StockStatus.choices, default=StockStatus.QUARANTINE
    )
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspector"),
    )
    created_at = models.DateTimeField(_("created"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product_id", "serial_number"]
        verbose_name = _("serial")
        verbose_name_plural = _("serials")
        unique_together = [("product", "serial_number")]

    def __str__(self) -> str:
        return f"{self.serial_number}"

    def is_expired(self, on_date: dt.date) -> bool:
        return self.expiry_date is not None and self.expiry_date < on_date


class Move(models.Model):
    """One immutable ledger line: ``quantity`` of a product (lot/serial) from one location to
    another, for a document. Append-only (trigger); corrections are reversing moves."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    serial = models.ForeignKey(
        Serial, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = quantity_field(_("quantity"))
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    document_type = models.CharField(_("document type"), max_length=40)
    document_id = models.CharField(_("document"), max_length=64)
    document_line = models.CharField(_("document line"), max_length=64, blank=True, default="")
    # One-to-one: the database itself refuses a second reversal of the same move.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.TextField(_("reason"), blank=True, default="")
    occurred_at = models.DateTimeField(_("time"))
    actor_kind = models.CharField(max_length=16)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=200)
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        default_permissions = ("add", "view")
        permissions = [("reverse_move", "Can correct stock by reversing a move")]
        indexes = [
            models.Index(fields=["document_type", "document_id"], name="inventory_move_document"),
            models.Index(fields=["product", "lot"], name="inventory_move_product_lot"),
            models.Index(fields=["serial"], name="inventory_move_serial"),
            models.Index(fields=["occurred_at"], name="inventory_move_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_move_positive"),
            models.CheckConstraint(
                condition=~Q(from_location=F("to_location")), name="inventory_move_two_places"
            ),
        ]

    def __str__(self) -> str:
        return f"move {self.pk} {self.document_type} {self.document_id}"


class Balance(models.Model):
    """Quantity on hand per (product, lot, serial, location); only internal locations have one.

    ``lot_key``/``serial_key`` are the lot/serial ids or 0: SQL unique constraints treat NULLs
    as distinct, so the nullable foreign keys alone could not make the key unique on every
    database. ``expiry_date`` copies the lot's (or serial's) fixed expiry so that FEFO reads the
    product's positive balances in expiry order straight from one partial index.
    """

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    serial = models.ForeignKey(
        Serial, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lot_key = models.BigIntegerField(default=0)
    serial_key = models.BigIntegerField(default=0)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    expiry_date = models.DateField(null=True, blank=True)
    quantity = quantity_field(_("quantity"), default=0)
    # The part of ``quantity`` promised to documents (sales allocations): the sum of the open
    # :class:`Reservation` rows of this key. Available = quantity - reserved (if released).
    reserved = quantity_field(_("reserved"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product_id", "lot_key", "serial_key", "location_id"]
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["product", "lot_key", "serial_key", "location"],
                name="inventory_balance_key",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="inventory_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("quantity")),
                name="inventory_balance_reserved_within",
            ),
            models.CheckConstraint(
                condition=(Q(lot__isnull=True, lot_key=0) | Q(lot_key=F("lot")))
                & (Q(serial__isnull=True, serial_key=0) | Q(serial_key=F("serial"))),
                name="inventory_balance_keys_match",
            ),
            # A serial is in one place at a time (and in quantity 1: the service refuses more).
            models.UniqueConstraint(
                fields=["serial"],
                condition=Q(serial__isnull=False, quantity__gt=0),
                name="inventory_balance_serial_one_place",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "expiry_date"],
                condition=Q(quantity__gt=0),
                name="inventory_balance_fefo",
            ),
            models.Index(fields=["product", "location"], name="inventory_balance_prod_loc"),
            models.Index(fields=["lot", "location"], name="inventory_balance_lot_loc"),
            models.Index(fields=["location"], name="inventory_balance_location"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.lot_key}/{self.serial_key}@{self.location_id}"


class Reservation(models.Model):
    """Stock at one balance key promised to a document line (a sales allocation). ``quantity``
    is what is still reserved: shipping consumes it, cancelling releases it; a row at 0 is spent.
    The balance's ``reserved`` is the sum of these rows, checked by reconcile."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    serial = models.ForeignKey(
        Serial, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    quantity = quantity_field(_("reserved"))
    document_type = models.CharField(_("document type"), max_length=40)
    document_id = models.CharField(_("document"), max_length=64)
    document_line = models.CharField(_("document line"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["document_type", "document_id"], name="inventory_reservation_doc"),
            models.Index(
                fields=["product", "lot", "location"],
                condition=Q(quantity__gt=0),
                name="inventory_reservation_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="inventory_reservation_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"reservation {self.pk}"


class StockHold(models.Model):
    """Stock that must not be used until QA releases it by signature (cold-chain excursion,
    complaint, investigation). ``lot``/``serial``/``location`` null = all of them; held stock is
    not available."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    serial = models.ForeignKey(
        Serial, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    source_type = models.CharField(_("source"), max_length=40, blank=True, default="")
    source_id = models.CharField(_("source record"), max_length=64, blank=True, default="")
    placed_at = models.DateTimeField(_("placed"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    placed_by_name = models.CharField(max_length=200)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_reason = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("stock hold")
        verbose_name_plural = _("stock holds")
        permissions = [("release_stockhold", "Can release held stock by signature (QA)")]
        indexes = [
            models.Index(
                fields=["product"],
                condition=Q(released_at__isnull=True),
                name="inventory_hold_active",
            ),
            models.Index(fields=["source_type", "source_id"], name="inventory_hold_source"),
        ]

    def __str__(self) -> str:
        return f"hold {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class ExpiryPolicy(models.Model):
    """A near-expiry warning window (TR-05): ``days`` before expiry, for one product, one
    classification code, or (both empty) every product. Several rows make several windows
    (180/90/30 days). The most specific scope with any row wins: product, then category, then
    the default rows; with none at all, :data:`DEFAULT_NEAR_EXPIRY_DAYS` applies."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category_code = models.CharField(_("classification code"), max_length=32, blank=True)
    days = models.PositiveIntegerField(_("days before expiry"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product_id", "category_code", "-days"]
        verbose_name = _("near-expiry window")
        verbose_name_plural = _("near-expiry windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=True) | Q(category_code=""),
                name="inventory_expirypolicy_one_scope",
            ),
            models.CheckConstraint(condition=Q(days__gt=0), name="inventory_expirypolicy_days"),
            models.UniqueConstraint(
                fields=["product", "days"],
                condition=Q(product__isnull=False),
                name="inventory_expirypolicy_product",
            ),
            models.UniqueConstraint(
                fields=["category_code", "days"],
                condition=Q(product__isnull=True),
                name="inventory_expirypolicy_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.days} d"


DEFAULT_NEAR_EXPIRY_DAYS = 90


class ExpiryNotice(models.Model):
    """That ``mederp expiry scan`` announced a lot (or serial) as near expiry in one window, or
    as expired: the unique key makes each announcement happen once."""

    NEAR_EXPIRY = "near_expiry"
    EXPIRED = "expired"

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    serial = models.ForeignKey(
        Serial, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16)
    window_days = models.PositiveIntegerField(default=0)
    emitted_at = models.DateTimeField()

    class Meta:
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "kind", "window_days"],
                condition=Q(lot__isnull=False),
                name="inventory_expirynotice_lot_once",
            ),
            models.UniqueConstraint(
                fields=["serial", "kind", "window_days"],
                condition=Q(serial__isnull=False),
                name="inventory_expirynotice_serial_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.window_days} d"
