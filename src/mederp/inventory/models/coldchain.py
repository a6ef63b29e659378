"""Cold-chain records (CN-14, TR-09; 条例 第四十七条): temperature readings from the loggers and
the excursions they open. Services that act on them (ingest, excursion handling, holds) are the
cold-chain slice's; the tables live here so that inventory owns every inventory migration."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mederp.inventory.models.locations import Location


class TemperatureReading(models.Model):
    """One logger reading, as received. Append-only (trigger); ``reading_id`` is the logger's
    own id, so a resent reading is recognised (idempotent ingest)."""

    reading_id = models.CharField(_("reading id"), max_length=100, unique=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    measured_at = models.DateTimeField(_("measured"))
    celsius = models.DecimalField(_("temperature (°C)"), max_digits=5, decimal_places=2)
    source = models.CharField(_("logger"), max_length=100, blank=True, default="")
    raw = models.TextField(_("raw reading"), blank=True, default="")
    received_at = models.DateTimeField(_("received"))

    class Meta:
        ordering = ["location_id", "measured_at", "id"]
        verbose_name = _("temperature reading")
        verbose_name_plural = _("temperature readings")
        default_permissions = ("add", "view")
        indexes = [
            models.Index(fields=["location", "measured_at"], name="inventory_reading_loc_time"),
        ]

    def __str__(self) -> str:
        return f"{self.reading_id} {self.celsius} °C"


class ExcursionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Excursion(models.Model):
    """A location out of its range, from its first bad reading until QA closes it by signature.
    At most one open excursion per location (partial unique index)."""

    Status = ExcursionStatus

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"))
    first_reading = models.ForeignKey(
        TemperatureReading, on_delete=models.PROTECT, related_name="+"
    )
    last_reading = models.ForeignKey(
        TemperatureReading, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    min_celsius = models.DecimalField(_("lowest seen (°C)"), max_digits=5, decimal_places=2)
    max_celsius = models.DecimalField(_("highest seen (°C)"), max_digits=5, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=8, choices=ExcursionStatus.choices, default=ExcursionStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_reason = models.TextField(_("assessment"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("temperature excursion")
        verbose_name_plural = _("temperature excursions")
        permissions = [("close_excursion", "Can close a temperature excursion by signature (QA)")]
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=Q(status="open"),
                name="inventory_excursion_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"excursion {self.pk}"
