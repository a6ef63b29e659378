"""Bills of materials: what one unit of a finished device is made of, in versions.

A version is drafted, approved by a QA signature on its content (its components and quantities),
becomes effective on a date, and is retired (obsolete) by signature. A work order always cites
one approved version that is effective on its planned start (ISO 13485 §7.5.1; 21 CFR 820.181
device master record; 生产质量管理规范 第六十条). An approved version is never edited: a change is
a new version.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mederp.catalog.models.products import Product, UnitOfMeasure

QUANTITY_DIGITS = 18
QUANTITY_PLACES = 6


class BomState(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    OBSOLETE = "obsolete", _("obsolete")


class BillOfMaterials(models.Model):
    """One version (``revision``) of the bill of materials of a finished device."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="boms", verbose_name=_("finished device")
    )
    revision = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=16, choices=BomState.choices, default=BomState.DRAFT
    )
    # The first day work orders may cite this version; set when it is approved at the latest.
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    obsoleted_at = models.DateTimeField(_("obsolete since"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product_id", "-revision"]
        verbose_name = _("bill of materials")
        verbose_name_plural = _("bills of materials")
        permissions = [("approve_billofmaterials", "Can approve or retire a BOM version (QA)")]
        constraints = [
            models.UniqueConstraint(fields=["product", "revision"], name="catalog_bom_revision"),
            models.CheckConstraint(condition=Q(revision__gt=0), name="catalog_bom_revision_pos"),
            models.CheckConstraint(
                condition=~Q(state=BomState.APPROVED) | Q(effective_from__isnull=False),
                name="catalog_bom_approved_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} BOM v{self.revision}"


class BomComponent(models.Model):
    """``quantity_per_unit`` of a component (in ``uom``) goes into one unit of the device."""

    bom = models.ForeignKey(BillOfMaterials, on_delete=models.CASCADE, related_name="components")
    line_no = models.PositiveIntegerField(_("line"))
    component = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="used_in", verbose_name=_("component")
    )
    quantity_per_unit = models.DecimalField(
        _("quantity per unit"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES
    )
    uom = models.ForeignKey(
        UnitOfMeasure, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["bom_id", "line_no"]
        verbose_name = _("BOM component")
        verbose_name_plural = _("BOM components")
        constraints = [
            models.UniqueConstraint(fields=["bom", "line_no"], name="catalog_bomcomponent_line"),
            models.UniqueConstraint(fields=["bom", "component"], name="catalog_bomcomponent_once"),
            models.CheckConstraint(
                condition=Q(quantity_per_unit__gt=0), name="catalog_bomcomponent_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component.code} × {self.quantity_per_unit}"
