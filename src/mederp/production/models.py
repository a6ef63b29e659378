"""Production: work orders, material issue, output, scrap and rework, in-process checks, and the
genealogy that links every consumed lot or serial to every produced one.

A work order cites one approved BOM version (ISO 13485 §7.5.1; 21 CFR 820.184 device history
record). Issues, outputs, scrap, checks and genealogy edges are append-only (database trigger):
together with the audit trail and the signatures they are the device history record. A
correction is a new record that cites the one it corrects, never an edit.

Genealogy nodes are ``(kind, id)`` pairs, kind ``lot`` or ``serial``, so the traceability queries
(:mod:`mederp.compliance.trace`) walk one indexed pair of columns with a recursive CTE on both
PostgreSQL and SQLite. The nullable foreign keys beside them keep referential integrity, and a
check constraint keeps the two in step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.inventory.models.stock import quantity_field

LOT, SERIAL = "lot", "serial"
NODE_KINDS = [(LOT, _("lot")), (SERIAL, _("serial"))]


class WorkOrderState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("work order state", "planned")
    RELEASED = "released", pgettext_lazy("work order state", "released")
    IN_PROGRESS = "in_progress", pgettext_lazy("work order state", "in progress")
    COMPLETED = "completed", pgettext_lazy("work order state", "completed")
    CLOSED = "closed", pgettext_lazy("work order state", "closed")
    CANCELLED = "cancelled", pgettext_lazy("work order state", "cancelled")


class WorkOrder(models.Model):
    """An order to make ``planned_quantity`` of a finished device to one BOM version."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("device")
    )
    bom = models.ForeignKey(
        "catalog.BillOfMaterials",
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("BOM version"),
    )
    planned_quantity = quantity_field(_("planned quantity"))
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    # Where issued material is consumed and output is reported from (a production location),
    # and where finished output waits for final release (a quarantine location).
    production_location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="+"
    )
    output_location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="+"
    )
    # The lot number the finished output gets (lot-tracked devices); serials are reported.
    output_lot_number = models.CharField(_("output lot"), max_length=64, blank=True, default="")
    state = models.CharField(
        _("state"), max_length=16, choices=WorkOrderState.choices, default=WorkOrderState.PLANNED
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        permissions = [
            ("release_workorder", "Can release a work order to the shop floor"),
            ("issue_material", "Can issue material to a work order"),
            ("report_output", "Can report output, scrap and rework of a work order"),
            ("record_check", "Can record in-process checks"),
            ("close_workorder", "Can close a work order by signature"),
        ]
        indexes = [models.Index(fields=["state"], name="production_wo_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_quantity__gt=0), name="production_wo_quantity"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Source(models.TextChoices):
    """Who reported a shop-floor record: a person at a screen, or the MES by an event."""

    MANUAL = "manual", _("manual")
    MES = "mes", _("MES event")


class ShopFloorRecord(models.Model):
    """Fields every append-only production record shares: who, when, from where."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("time"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    operator_name = models.CharField(_("operator"), max_length=200)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    # The MES event that reported it (empty for manual records).
    event_id = models.CharField(_("event id"), max_length=64, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk} ({self.work_order_id})"


class MaterialIssue(ShopFloorRecord):
    """Released component stock moved to the work order's production location (consumed)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="issues")
    bom_component = models.ForeignKey(
        "catalog.BomComponent", on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = quantity_field(_("quantity"))
    from_location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="+"
    )
    move = models.OneToOneField("inventory.Move", on_delete=models.PROTECT, related_name="+")
    # fefo: chosen by the system; scan: the operator scanned this lot or serial.
    method = models.CharField(_("method"), max_length=8)
    scan_raw = models.TextField(_("scanned code"), blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("material issue")
        verbose_name_plural = _("material issues")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["lot"], name="production_issue_lot"),
            models.Index(fields=["serial"], name="production_issue_serial"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="production_issue_quantity"),
        ]


class OutputKind(models.TextChoices):
    GOOD = "good", _("good output")
    SCRAP = "scrap", pgettext_lazy("production", "scrap")
    REWORK = "rework", _("rework")


class ProductionOutput(ShopFloorRecord):
    """Finished units reported on a work order: ``good`` units enter the output (quarantine)
    location as a lot or serial; ``scrap`` units leave production for scrap; ``rework`` units
    are recorded as sent back for rework (they come back later as good or scrap)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="outputs")
    kind = models.CharField(_("kind"), max_length=8, choices=OutputKind.choices)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = quantity_field(_("quantity"))
    move = models.OneToOneField(
        "inventory.Move", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("production output")
        verbose_name_plural = _("production outputs")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["lot"], name="production_output_lot"),
            models.Index(fields=["serial"], name="production_output_serial"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="production_output_quantity"),
        ]


class ComponentScrap(ShopFloorRecord):
    """Issued component material scrapped on the line (damaged, dropped, failed a check)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="scrap")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = quantity_field(_("quantity"))
    move = models.OneToOneField("inventory.Move", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("component scrap")
        verbose_name_plural = _("component scrap")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="production_cscrap_quantity"),
        ]


class OperationRecord(ShopFloorRecord):
    """An operation (routing step) completed on a work order, reported by the MES or by hand."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="operations")
    operation = models.CharField(_("operation"), max_length=64)
    workstation = models.CharField(_("workstation"), max_length=64, blank=True, default="")
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"))
    quantity_good = quantity_field(_("good quantity"), default=0)
    quantity_scrap = quantity_field(_("scrap quantity"), default=0)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("operation record")
        verbose_name_plural = _("operation records")
        default_permissions = ("view",)


class CheckResult(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


class InProcessCheck(ShopFloorRecord):
    """One in-process inspection result (ISO 13485 §7.5.1, §8.2.6; 820.80(c))."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="checks")
    operation = models.CharField(_("operation"), max_length=64, blank=True, default="")
    characteristic = models.CharField(_("characteristic"), max_length=200)
    specification = models.CharField(_("specification"), max_length=200, blank=True, default="")
    measured_value = models.CharField(_("measured value"), max_length=100, blank=True, default="")
    result = models.CharField(_("result"), max_length=8, choices=CheckResult.choices)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("in-process check")
        verbose_name_plural = _("in-process checks")
        default_permissions = ("view",)


class GenealogyEdge(models.Model):
    """Consumed lot/serial → produced lot/serial in a work order (DESIGN "Genealogy edge").

    ``quantity`` is how much of the consumed lot or serial the issue put into the work order that
    produced the output: one edge per (issue, output) pair, written in the transaction of
    whichever of the two came second. Append-only (trigger); the service refuses an edge that
    would close a cycle.
    """

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="edges")
    issue = models.ForeignKey(MaterialIssue, on_delete=models.PROTECT, related_name="edges")
    output = models.ForeignKey(ProductionOutput, on_delete=models.PROTECT, related_name="edges")
    consumed_kind = models.CharField(max_length=8, choices=NODE_KINDS)
    consumed_id = models.BigIntegerField()
    consumed_product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+"
    )
    consumed_lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consumed_serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    produced_kind = models.CharField(max_length=8, choices=NODE_KINDS)
    produced_id = models.BigIntegerField()
    produced_product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+"
    )
    produced_lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    produced_serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = quantity_field(_("quantity"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("genealogy edge")
        verbose_name_plural = _("genealogy edges")
        default_permissions = ("view",)
        indexes = [
            # Forward: what was made from this node? Backward: what went into it?
            models.Index(fields=["consumed_kind", "consumed_id"], name="production_edge_fwd"),
            models.Index(fields=["produced_kind", "produced_id"], name="production_edge_back"),
            models.Index(fields=["work_order"], name="production_edge_wo"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["issue", "output"], name="production_edge_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="production_edge_quantity"),
            models.CheckConstraint(
                condition=(Q(consumed_kind=LOT) & Q(consumed_id=F("consumed_lot")))
                | (Q(consumed_kind=SERIAL) & Q(consumed_id=F("consumed_serial"))),
                name="production_edge_consumed_node",
            ),
            models.CheckConstraint(
                condition=(Q(produced_kind=LOT) & Q(produced_id=F("produced_lot")))
                | (Q(produced_kind=SERIAL) & Q(produced_id=F("produced_serial"))),
                name="production_edge_produced_node",
            ),
            models.CheckConstraint(
                condition=~(Q(consumed_kind=F("produced_kind")) & Q(consumed_id=F("produced_id"))),
                name="production_edge_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumed_kind}:{self.consumed_id} → {self.produced_kind}:{self.produced_id}"
