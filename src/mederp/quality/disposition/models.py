"""Deviations (偏差): a documented, signed departure from the inspection a lot or serial would
need before QA's release or rejection (ISO 13485 §8.2.6, §8.3; 21 CFR 820.80(d), 820.90;
21 CFR 11.50, 11.70).

A deviation names the lot or serial it concerns and either one inspection (``inspection_id``,
the inspection it waives) or a whole stage (``stage``: every inspection of that stage on that
lot or serial). It is requested as a draft with its reason, justification and risk
assessment; QA approves it by signature (meaning ``approved``; the requester may not approve
their own), and while it is approved the disposition gate lets a release or rejection pass
over the inspection it waives. Closing (it served its purpose) or cancelling ends the waiver.

A deviation waives an inspection that is not completed; it never turns a failed inspection
into a pass: that is the nonconformance's signed "use as is" concession (QE-01).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEVIATION_PREFIX = "DV"


class DeviationState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("deviation state", "draft")
    APPROVED = "approved", pgettext_lazy("deviation state", "approved")
    CLOSED = "closed", pgettext_lazy("deviation state", "closed")
    CANCELLED = "cancelled", pgettext_lazy("deviation state", "cancelled")


class Deviation(models.Model):
    """One deviation: what it waives on which lot or serial, why, and at what risk."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    lot = models.ForeignKey(
        "inventory.Lot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lot"),
    )
    serial = models.ForeignKey(
        "inventory.Serial",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("serial"),
    )
    # The inspection waived (quality.inspections, referred to by id: DESIGN, one app never
    # writes another's tables), with its number kept for the record.
    inspection_id = models.BigIntegerField(_("inspection"), null=True, blank=True)
    inspection_number = models.CharField(
        _("inspection number"), max_length=32, blank=True, default=""
    )
    # Or a whole stage: incoming, in_process, final.
    stage = models.CharField(_("stage"), max_length=12, blank=True, default="")
    reason = models.TextField(_("deviation"))
    justification = models.TextField(_("justification"))
    risk_assessment = models.TextField(_("risk assessment"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeviationState.choices, default=DeviationState.DRAFT
    )
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_by_name = models.CharField(_("requested by"), max_length=200)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by_name = models.CharField(_("approved by"), max_length=200, blank=True, default="")
    approval_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("closed or cancelled"), null=True, blank=True)
    ended_by_name = models.CharField(
        _("closed or cancelled by"), max_length=200, blank=True, default=""
    )
    end_reason = models.TextField(_("closing note"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        default_permissions = ("add", "view")
        permissions = [
            ("approve_deviation", "Can approve a deviation by signature"),
            ("close_deviation", "Can close or cancel a deviation"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lot__isnull=False) | Q(serial__isnull=False),
                name="disposition_deviation_item",
            ),
            models.CheckConstraint(
                condition=Q(inspection_id__isnull=False) | ~Q(stage=""),
                name="disposition_deviation_target",
            ),
        ]
        indexes = [
            models.Index(fields=["lot", "state"], name="disposition_dev_lot"),
            models.Index(fields=["serial", "state"], name="disposition_dev_serial"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("new deviation"))
