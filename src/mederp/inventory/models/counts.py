"""Cycle counts (ISO 13485 §7.5.11; 经营办法 第三十八条 inventory checks): a location's stock is
counted, and the differences are booked only when someone other than the counter approves them
by signature, as adjusting moves to or from a count-adjustment location."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.inventory.models.locations import Location
from mederp.inventory.models.stock import Lot, Serial, quantity_field


class CycleCountStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COUNTED = "counted", _("Counted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CycleCount(models.Model):
    Status = CycleCountStatus

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=CycleCountStatus.choices, default="open"
    )
    opened_at = models.DateTimeField(_("opened"))
    opened_by_name = models.CharField(max_length=200)
    counted_at = models.DateTimeField(_("counted"), null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("cycle count")
        verbose_name_plural = _("cycle counts")
        permissions = [("approve_cyclecount", "Can approve count differences by signature")]

    def __str__(self) -> str:
        return f"count {self.pk}"


class CycleCountLine(models.Model):
    """One item of the count: ``expected`` is the balance when the count opened, ``counted``
    what was found (null until counted); ``difference`` = counted − expected."""

    count = models.ForeignKey(CycleCount, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    serial = models.ForeignKey(
        Serial, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expected = quantity_field(_("expected"))
    counted = quantity_field(_("counted"), null=True, blank=True)

    class Meta:
        ordering = ["count_id", "id"]
        verbose_name = _("cycle count line")
        verbose_name_plural = _("cycle count lines")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"count {self.count_id} line {self.pk}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected
