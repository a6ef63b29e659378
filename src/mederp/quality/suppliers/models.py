"""Supplier evaluation records (ISO 13485 §7.4.1; CN-21; 生产办法 第三十一条).

An evaluation snapshots a supplier's scorecard over a period (the figures, each component's
rate, the weights used, the score and the status it suggests) with QA's proposed status and
rationale. It is drafted, then approved by a QA signature (meaning ``approved``, by someone other
than its author); approval sets the supplier's trading status in the same transaction
(``partners.services.set_supplier_status``). The snapshot never changes after drafting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.inventory.models.stock import quantity_field
from mederp.quality.suppliers import rules


class EvaluationStatus(models.TextChoices):
    APPROVED = rules.APPROVED, pgettext_lazy("supplier status", "approved")
    CONDITIONAL = rules.CONDITIONAL, pgettext_lazy("supplier status", "conditional")
    DISQUALIFIED = rules.DISQUALIFIED, pgettext_lazy("supplier status", "disqualified")


class EvaluationState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("evaluation state", "draft")
    APPROVED = "approved", pgettext_lazy("evaluation state", "approved")


def _rate_field(label: object) -> models.DecimalField:
    return models.DecimalField(
        label,  # type: ignore[arg-type]
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
    )


class SupplierEvaluation(models.Model):
    """供应商评价: one supplier's scorecard over a period and QA's decision on its status."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    supplier = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supplier"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    receipt_lines = models.PositiveIntegerField(_("receipt lines"))
    quantity_received = quantity_field(_("quantity received"))
    quantity_accepted = quantity_field(_("quantity accepted"))
    lines_rejected = models.PositiveIntegerField(_("lines with rejections"))
    inspections = models.PositiveIntegerField(_("incoming inspections"))
    inspections_passed = models.PositiveIntegerField(_("incoming inspections passed"))
    ncrs = models.PositiveIntegerField(_("nonconformance reports"))
    deliveries = models.PositiveIntegerField(_("deliveries with an expected date"))
    deliveries_on_time = models.PositiveIntegerField(_("deliveries on time"))
    acceptance_rate = _rate_field(_("acceptance rate"))
    inspection_rate = _rate_field(_("inspection pass rate"))
    ncr_rate = _rate_field(_("NCR component"))
    delivery_rate = _rate_field(_("on-time delivery rate"))
    # The weights, NCR penalty and thresholds the score was computed with.
    scoring = models.JSONField(_("scoring"), default=dict)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    suggested_status = models.CharField(
        _("suggested status"), max_length=16, choices=EvaluationStatus.choices, blank=True
    )
    proposed_status = models.CharField(
        _("proposed status"), max_length=16, choices=EvaluationStatus.choices
    )
    rationale = models.TextField(_("rationale"))
    state = models.CharField(
        _("state"), max_length=16, choices=EvaluationState.choices, default=EvaluationState.DRAFT
    )
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by_name = models.CharField(_("evaluated by"), max_length=200)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("supplier evaluation")
        verbose_name_plural = _("supplier evaluations")
        default_permissions = ("add", "view")
        permissions = [
            ("approve_supplierevaluation", "Can approve a supplier evaluation (signature)")
        ]
        indexes = [models.Index(fields=["supplier", "state"], name="supplier_quality_eval_sup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="supplier_quality_eval_period",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="supplier_quality_eval_score",
            ),
        ]

    def __str__(self) -> str:
        return self.number
