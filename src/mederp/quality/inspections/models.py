"""Inspection plans and inspections (ISO 13485 §7.4.3 verification of purchased product, §8.2.6
monitoring and measurement of product; 21 CFR 820.80 acceptance activities; GSP 验收).

A plan belongs to a product and a stage (incoming 进货检验, in-process 过程检验, final 最终检验).
It is drafted, then approved; at most one approved plan per product and stage; an approved plan is
never edited: a change is a new revision, and approving it makes the old one obsolete.

An inspection is one application of a plan to a lot, a serial, a receipt line or a work order.
Its results are append-only: services never update or delete an :class:`InspectionResult`; a
correction is a new result (the latest result per characteristic counts) with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.inventory.models.stock import quantity_field

#: Digits and places of a measured value (e.g. 12.3456 mm, 0.0005 EU/mL).
VALUE_DIGITS, VALUE_PLACES = 18, 6


def value_field(verbose_name: object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,  # type: ignore[arg-type]
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_PLACES,
        **kwargs,  # type: ignore[arg-type]
    )


class Stage(models.TextChoices):
    INCOMING = "incoming", _("incoming")
    IN_PROCESS = "in_process", _("in-process")
    FINAL = "final", pgettext_lazy("inspection stage", "final")


class PlanState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("plan state", "draft")
    APPROVED = "approved", pgettext_lazy("plan state", "approved")
    OBSOLETE = "obsolete", pgettext_lazy("plan state", "obsolete")


class CharacteristicKind(models.TextChoices):
    NUMERIC = "numeric", _("numeric")
    PASS_FAIL = "pass_fail", _("pass/fail")
    TEXT = "text", pgettext_lazy("characteristic kind", "text")


class InspectionState(models.TextChoices):
    OPEN = "open", pgettext_lazy("inspection state", "open")
    COMPLETED = "completed", pgettext_lazy("inspection state", "completed")


class InspectionOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("inspection result", "pending")
    PASS = "pass", pgettext_lazy("inspection result", "pass")
    FAIL = "fail", pgettext_lazy("inspection result", "fail")


class ResultSource(models.TextChoices):
    HAND = "hand", pgettext_lazy("result source", "by hand")
    LIMS = "lims", _("LIMS")


class InspectionPlan(models.Model):
    """What to check on a product at a stage, and how many units to sample (ISO 13485 §7.4.3)."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=PlanState.choices, default=PlanState.DRAFT
    )
    title = models.CharField(_("title"), max_length=200, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    created_by_name = models.CharField(_("created by"), max_length=200)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by_name = models.CharField(_("approved by"), max_length=200, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product_id", "stage", "-revision"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        default_permissions = ("add", "change", "view")
        permissions = [("approve_inspectionplan", "Can approve an inspection plan")]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "stage", "revision"], name="inspections_plan_revision"
            ),
            models.UniqueConstraint(
                fields=["product", "stage"],
                condition=Q(state="approved"),
                name="inspections_plan_one_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.stage}/r{self.revision}"


class Characteristic(models.Model):
    """One thing inspected: a measurement with limits and unit, a pass/fail check, or a note."""

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.PROTECT, related_name="characteristics"
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    name = models.CharField(_("characteristic"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=CharacteristicKind.choices)
    lower_limit = value_field(_("lower limit"), null=True, blank=True)
    upper_limit = value_field(_("upper limit"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=32, blank=True, default="")
    critical = models.BooleanField(_("critical"), default=False)

    class Meta:
        ordering = ["plan_id", "sequence"]
        verbose_name = _("characteristic")
        verbose_name_plural = _("characteristics")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["plan", "sequence"], name="inspections_char_seq"),
            models.UniqueConstraint(fields=["plan", "name"], name="inspections_char_name"),
            models.CheckConstraint(
                condition=~Q(kind="numeric")
                | Q(lower_limit__isnull=False)
                | Q(upper_limit__isnull=False),
                name="inspections_char_numeric_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SamplingRule(models.Model):
    """One row of the plan's sampling table: lots of ``lot_size_from``..``lot_size_to``
    (``None``: and above) take ``sample_size`` units (all of them when the lot is smaller)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="sampling")
    lot_size_from = quantity_field(_("lot size from"))
    lot_size_to = quantity_field(_("lot size to"), null=True, blank=True)
    sample_size = quantity_field(_("sample size"))

    class Meta:
        ordering = ["plan_id", "lot_size_from"]
        verbose_name = _("sampling rule")
        verbose_name_plural = _("sampling rules")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(lot_size_from__gte=0)
                & Q(sample_size__gt=0)
                & (Q(lot_size_to__isnull=True) | Q(lot_size_to__gte=models.F("lot_size_from"))),
                name="inspections_sampling_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_size_from}-{self.lot_size_to or ''}: {self.sample_size}"


class Inspection(models.Model):
    """One inspection of a lot, serial, receipt or work order against an approved plan."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="inspections")
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    receipt = models.ForeignKey(
        "procurement.Receipt", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    receipt_line = models.ForeignKey(
        "procurement.ReceiptLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    work_order = models.ForeignKey(
        "production.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lot_size = quantity_field(_("lot size"))
    sample_size = quantity_field(_("sample size"))
    state = models.CharField(
        _("state"), max_length=10, choices=InspectionState.choices, default=InspectionState.OPEN
    )
    result = models.CharField(
        _("result"),
        max_length=8,
        choices=InspectionOutcome.choices,
        default=InspectionOutcome.PENDING,
    )
    created_at = models.DateTimeField(_("created"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_by_name = models.CharField(_("completed by"), max_length=200, blank=True, default="")
    ncr_id = models.BigIntegerField(_("nonconformance"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        default_permissions = ("view",)
        permissions = [("record_result", "Can record inspection results")]
        indexes = [
            models.Index(fields=["state", "stage"], name="inspections_state_stage"),
            models.Index(fields=["lot"], name="inspections_lot"),
            models.Index(fields=["serial"], name="inspections_serial"),
        ]

    def __str__(self) -> str:
        return self.number


class InspectionResult(models.Model):
    """One recorded result of one characteristic: append-only (a correction is a new row)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="results")
    characteristic = models.ForeignKey(
        Characteristic, on_delete=models.PROTECT, related_name="results"
    )
    numeric_value = value_field(_("value"), null=True, blank=True)
    text_value = models.TextField(_("text"), blank=True, default="")
    passed = models.BooleanField(_("passed"))
    count_tested = models.PositiveIntegerField(_("units tested"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=ResultSource.choices)
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by_name = models.CharField(_("recorded by"), max_length=200)

    class Meta:
        ordering = ["inspection_id", "id"]
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="inspections_result_external_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.characteristic_id}"
