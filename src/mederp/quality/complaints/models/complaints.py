"""The complaint record (21 CFR 820.35(a)(1)-(7); QE-02; 经营办法 第四十条, QE-08).

The complainant's name, address and phone are personal data, kept in their own columns so that
issue 8 can encrypt them without touching the rest of the record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComplaintState(models.TextChoices):
    OPEN = "open", pgettext_lazy("complaint state", "open")
    ASSESSED = "assessed", pgettext_lazy("complaint state", "assessed")
    INVESTIGATING = "investigating", pgettext_lazy("complaint state", "investigating")
    CLOSED = "closed", pgettext_lazy("complaint state", "closed")


class Channel(models.TextChoices):
    """How the complaint reached us."""

    PHONE = "phone", _("phone")
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    VISIT = "visit", _("visit")
    SALES = "sales", _("sales representative")
    DISTRIBUTOR = "distributor", _("distributor")
    AUTHORITY = "authority", _("regulatory authority")
    OTHER = "other", pgettext_lazy("complaint channel", "other")


class PatientInvolvement(models.TextChoices):
    NONE = "none", pgettext_lazy("patient involvement", "none")
    INVOLVED = "involved", _("patient involved, no injury")
    INJURY = "injury", _("injury")
    DEATH = "death", _("death")


class Complaint(models.Model):
    """A complaint or adverse event report (投诉 / 不良事件), CP-YYYY-NNNNN.

    ``received_at`` is when the company became aware: every reporting clock starts there.
    ``reportable`` is null until the assessment (可报告性评估) decides; the investigation, or
    the justification for not investigating (820.35(a)), is required before the closing
    signature. NCR and CAPA are other quality parts' records, referred to by id and number.
    """

    number = models.CharField(_("number"), max_length=32, unique=True)
    received_at = models.DateTimeField(_("received (aware)"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    received_by_name = models.CharField(_("received by"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    customer = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    complainant_name = models.CharField(_("complainant"), max_length=200, blank=True, default="")
    complainant_address = models.CharField(
        _("complainant address"), max_length=300, blank=True, default=""
    )
    complainant_phone = models.CharField(
        _("complainant phone"), max_length=50, blank=True, default=""
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    udi = models.CharField(_("UDI as scanned"), max_length=500, blank=True, default="")
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
    event_date = models.DateField(_("event date"), null=True, blank=True)
    event_country = models.CharField(_("event country"), max_length=2, blank=True, default="")
    description = models.TextField(_("description"))
    patient_involvement = models.CharField(
        _("patient involvement"), max_length=10, choices=PatientInvolvement.choices
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ComplaintState.choices, default=ComplaintState.OPEN
    )
    reportable = models.BooleanField(_("reportable"), null=True, blank=True)
    event_classes = models.JSONField(_("event classes"), default=list, blank=True)
    jurisdictions = models.JSONField(_("jurisdictions"), default=list, blank=True)
    assessment_rationale = models.TextField(_("assessment rationale"), blank=True, default="")
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    assessed_by_name = models.CharField(_("assessed by"), max_length=200, blank=True, default="")
    investigation = models.TextField(_("investigation"), blank=True, default="")
    no_investigation_justification = models.TextField(
        _("justification for no investigation"), blank=True, default=""
    )
    correction = models.TextField(_("correction or corrective action"), blank=True, default="")
    reply = models.TextField(_("reply to complainant"), blank=True, default="")
    ncr_id = models.BigIntegerField(_("NCR id"), null=True, blank=True)
    ncr_number = models.CharField(_("NCR"), max_length=32, blank=True, default="")
    capa_id = models.BigIntegerField(_("CAPA id"), null=True, blank=True)
    capa_number = models.CharField(_("CAPA"), max_length=32, blank=True, default="")
    recall = models.ForeignKey(
        "compliance.Recall",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recall"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by_name = models.CharField(_("closed by"), max_length=200, blank=True, default="")
    close_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        default_permissions = ("add", "view")
        permissions = [
            ("assess_complaint", "Can assess a complaint's reportability"),
            ("investigate_complaint", "Can record a complaint's investigation and reply"),
            ("link_complaint", "Can open an NCR or CAPA from a complaint and link a recall"),
            ("submit_report", "Can record the submission of a regulatory report"),
            ("close_complaint", "Can close a complaint by signature"),
        ]
        indexes = [models.Index(fields=["state"], name="complaints_state")]

    def __str__(self) -> str:
        return self.number or str(_("new complaint"))

    def event_class_labels(self) -> list[str]:
        """The assessed event classes in the reader's language (codes kept as they are)."""
        from mederp.quality.complaints.models.reporting import EventClass

        return [
            str(EventClass(c).label) if c in EventClass.values else c for c in self.event_classes
        ]
