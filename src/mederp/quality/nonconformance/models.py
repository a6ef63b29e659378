"""Nonconformance reports (不合格品报告; QE-01; ISO 13485 §8.3.1-§8.3.4; 21 CFR 820.90).

A :class:`Nonconformance` names what was found (source, product, description, severity), the
lots and serials it affects (:class:`NonconformanceItem`, held while the NCR decides), the
investigation, the disposition signed by QA (use as is = concession, rework, scrap, return to
supplier) and its closure by signature. Other quality parts refer to an NCR by id; an NCR refers
to its source and to a CAPA by kind and id (``source``/``source_id``, ``capa_id``), never by
foreign key, so the parts stay independent apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.inventory.models.stock import quantity_field


class Source(models.TextChoices):
    """Where the nonconformance was found."""

    RECEIPT = "receipt", _("receipt")
    INSPECTION = "inspection", pgettext_lazy("ncr source", "inspection")
    PRODUCTION = "production", pgettext_lazy("ncr source", "production")
    COMPLAINT = "complaint", pgettext_lazy("ncr source", "complaint")
    AUDIT = "audit", pgettext_lazy("ncr source", "audit")
    OTHER = "other", pgettext_lazy("ncr source", "other")


class Severity(models.TextChoices):
    MINOR = "minor", pgettext_lazy("ncr severity", "minor")
    MAJOR = "major", pgettext_lazy("ncr severity", "major")
    CRITICAL = "critical", pgettext_lazy("ncr severity", "critical")


class NcrState(models.TextChoices):
    OPEN = "open", pgettext_lazy("ncr state", "open")
    INVESTIGATING = "investigating", pgettext_lazy("ncr state", "investigating")
    DISPOSITIONED = "dispositioned", pgettext_lazy("ncr state", "dispositioned")
    CLOSED = "closed", pgettext_lazy("ncr state", "closed")


class Disposition(models.TextChoices):
    """What becomes of the nonconforming product (ISO 13485 §8.3.2)."""

    NONE = "", "—"
    USE_AS_IS = "use_as_is", _("use as is (concession)")
    REWORK = "rework", pgettext_lazy("ncr disposition", "rework")
    SCRAP = "scrap", pgettext_lazy("ncr disposition", "scrap")
    RETURN_TO_SUPPLIER = "return_to_supplier", _("return to supplier")


class Nonconformance(models.Model):
    """One nonconformance report, numbered ``NC-YYYY-NNNNN``.

    Signed twice: the disposition (meaning ``approved``; for ``use_as_is`` it is the concession
    QE-01 asks to be authorised) and the closure (``closed``). Both sign the same content
    (:func:`mederp.quality.nonconformance.signing.ncr_content`): what was found, where, the
    investigation and the decision.
    """

    number = models.CharField(_("number"), max_length=32, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField(_("source record id"), null=True, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=120, blank=True, default="")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    supplier = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier"),
    )
    description = models.TextField(_("description"))
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.MAJOR
    )
    detected_at = models.DateTimeField(_("detected"))
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    opened_by_name = models.CharField(_("opened by"), max_length=200)
    state = models.CharField(
        _("state"), max_length=16, choices=NcrState.choices, default=NcrState.OPEN
    )
    investigation = models.TextField(_("investigation"), blank=True, default="")
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    investigated_at = models.DateTimeField(_("investigated"), null=True, blank=True)
    investigated_by_name = models.CharField(
        _("investigated by"), max_length=200, blank=True, default=""
    )
    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, blank=True, default=""
    )
    disposition_reason = models.TextField(_("disposition reason"), blank=True, default="")
    return_reference = models.CharField(
        _("return reference"), max_length=64, blank=True, default=""
    )
    dispositioned_at = models.DateTimeField(_("dispositioned"), null=True, blank=True)
    dispositioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    dispositioned_by_name = models.CharField(
        _("dispositioned by"), max_length=200, blank=True, default=""
    )
    disposition_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_by_name = models.CharField(_("closed by"), max_length=200, blank=True, default="")
    close_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(_("closing remark"), blank=True, default="")
    capa_id = models.BigIntegerField(_("CAPA id"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("nonconformance report")
        verbose_name_plural = _("nonconformance reports")
        default_permissions = ("add", "view")
        permissions = [
            ("investigate_nonconformance", "Can record an NCR's investigation and root cause"),
            ("disposition_nonconformance", "Can decide an NCR's disposition by signature"),
            ("close_nonconformance", "Can close an NCR by signature"),
        ]
        indexes = [
            models.Index(fields=["state"], name="ncr_state"),
            models.Index(fields=["source", "source_id"], name="ncr_source"),
            models.Index(fields=["product", "state"], name="ncr_product_state"),
            models.Index(fields=["supplier", "state"], name="ncr_supplier_state"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("new nonconformance report"))


class NonconformanceItem(models.Model):
    """An affected lot or serial: how much, where it was when the NCR opened, and what the NCR
    did to its status (``status_before`` → ``hold_reference``)."""

    ncr = models.ForeignKey(Nonconformance, on_delete=models.PROTECT, related_name="items")
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = quantity_field(_("quantity"))
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    status_before = models.CharField(_("status when opened"), max_length=16)
    hold_reference = models.CharField(_("hold"), max_length=120, blank=True, default="")
    disposition_move = models.ForeignKey(
        "inventory.Move", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("affected item")
        verbose_name_plural = _("affected items")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(lot__isnull=False) | Q(serial__isnull=False),
                name="ncr_item_identified",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="ncr_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.ncr} #{self.pk}"
