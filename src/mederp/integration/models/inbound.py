"""Inbound events from shop-floor, warehouse and lab systems, deduplicated by their event id
(invariant 5; the shared conventions: :mod:`mederp.core.inbound`).

An :class:`InboundEvent` row is written in the same transaction as the effect of the event (the
material issue, output or operation the owning app's service recorded), and only then: a refused
event writes nothing, so the sender may correct it and retry with the same id. A second delivery
of a stored event is answered with the stored response, never handled twice (at-least-once
delivery from the MES, exactly-once effect here). The table is append-only (database trigger):
the row is the proof of what the MES reported and what MedERP answered (21 CFR 820.184 device
history record; 11.10(e) audit trail of system inputs).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventSource(models.TextChoices):
    MES = "mes", _("MES")
    LIMS = "lims", _("LIMS")
    WMS = "wms", _("WMS")


class InboundEventStatus(models.TextChoices):
    """Only handled events are stored; a refused one left nothing behind to retry against."""

    PROCESSED = "processed", _("processed")


class InboundEvent(models.Model):
    """One event as first received and handled; its response is what a duplicate gets back."""

    source = models.CharField(_("source"), max_length=16, choices=EventSource.choices)
    event_id = models.CharField(_("event id"), max_length=64)
    event_type = models.CharField(_("event type"), max_length=32)
    # SHA-256 of the canonical JSON of the body: a duplicate must carry the same body.
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64)
    body = models.JSONField(_("body"))
    # The document the event is about: the work order of an MES event, the inspection
    # (IN-YYYY-NNNNN) of a LIMS result, the move, sales order or cycle count of a WMS event.
    work_order_number = models.CharField(_("work order"), max_length=32)
    occurred_at = models.DateTimeField(_("occurred"))
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InboundEventStatus.choices,
        default=InboundEventStatus.PROCESSED,
    )
    status_code = models.PositiveSmallIntegerField(_("HTTP status"))
    response = models.JSONField(_("response"))
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    principal_name = models.CharField(_("sent by"), max_length=200)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        default_permissions = ("view",)
        permissions = [
            ("post_mes_event", "Can post shop-floor events as the MES"),
            ("post_lims_result", "Can post inspection results as the LIMS"),
            ("post_wms_event", "Can post warehouse events as the WMS"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="integration_event_once"),
        ]
        indexes = [
            models.Index(fields=["work_order_number"], name="integration_event_wo"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id}"
