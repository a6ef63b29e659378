"""Reporting deadlines as data, and the reports a complaint owes (QE-04, QE-05, QE-06).

A :class:`ReportingRule` says: in this jurisdiction, an event of this class must be reported
within this many hours, calendar days or working days of awareness. QA edits the rules; the
assessment copies the rule it applied onto the :class:`RegulatoryReport` together with the
computed ``due_at``, so a later change of a rule never moves a deadline already computed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.TextChoices):
    CN = "CN", _("China (NMPA)")
    US = "US", _("United States (FDA)")
    EU = "EU", _("European Union (MDR)")


class EventClass(models.TextChoices):
    """What kind of event a complaint describes; a rule's condition is one of these."""

    DEATH = "death", _("death")
    SERIOUS_INJURY = "serious_injury", _("serious injury")
    MALFUNCTION = "malfunction", _("malfunction that could cause death or serious injury")
    REMEDIAL_ACTION = "remedial_action", _("remedial action needed to prevent a public hazard")
    FDA_REQUEST = "fda_request", _("FDA request for a 5-day report")
    PUBLIC_HEALTH_THREAT = "serious_public_health_threat", _("serious public health threat")
    SERIOUS_DETERIORATION = (
        "unanticipated_serious_deterioration",
        _("unanticipated serious deterioration in health"),
    )
    SERIOUS_INCIDENT = "serious_incident", _("serious incident")
    GROUP_EVENT = "group_event", _("group adverse event (群体不良事件)")


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")


class ReportingRule(models.Model):
    """One reporting obligation: jurisdiction, event class, deadline from awareness."""

    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices)
    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    condition = models.CharField(_("event class"), max_length=40, choices=EventClass.choices)
    deadline_amount = models.PositiveIntegerField(_("deadline"))
    deadline_unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices)
    regulation = models.CharField(_("regulation"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["jurisdiction", "condition", "code"]
        verbose_name = _("reporting rule")
        verbose_name_plural = _("reporting rules")
        default_permissions = ("add", "change", "view")

    def __str__(self) -> str:
        return self.code


class RegulatoryReport(models.Model):
    """A report a complaint owes one authority (MDR / 不良事件报告 / vigilance report).

    The rule's terms are copied here at assessment: ``due_at`` is a fact of that moment.
    Open while ``submitted_at`` is null."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="reports"
    )
    rule = models.ForeignKey(ReportingRule, on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices)
    rule_code = models.CharField(_("rule"), max_length=40)
    rule_label = models.CharField(_("report"), max_length=200)
    regulation = models.CharField(_("regulation"), max_length=200)
    deadline_amount = models.PositiveIntegerField(_("deadline"))
    deadline_unit = models.CharField(_("unit"), max_length=16, choices=DeadlineUnit.choices)
    matched_rules = models.CharField(_("rules that applied"), max_length=300, blank=True)
    clock_start = models.DateTimeField(_("clock starts"))
    due_at = models.DateTimeField(_("due"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_by_name = models.CharField(_("submitted by"), max_length=200, blank=True)
    authority_reference = models.CharField(_("authority reference"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("regulatory report")
        verbose_name_plural = _("regulatory reports")
        default_permissions = ("view",)
        indexes = [models.Index(fields=["submitted_at", "due_at"], name="complaints_report_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "jurisdiction"], name="complaints_report_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint.number} {self.jurisdiction} {self.rule_code}"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None
