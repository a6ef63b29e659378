"""CAPA: the records (QE-07; ISO 13485 §8.5.2 corrective action, §8.5.3 preventive action;
生产办法 第三十七条).

A :class:`Capa` states a problem, its root cause, the actions taken against it, the check that
they worked, and is closed by QA's signature. It links to the records that raised it by kind and
id (:class:`CapaLink`), never by foreign key: the NCRs, complaints and audits live in other apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CapaState(models.TextChoices):
    OPEN = "open", pgettext_lazy("capa state", "open")
    INVESTIGATING = "investigating", pgettext_lazy("capa state", "investigating")
    IMPLEMENTING = "implementing", pgettext_lazy("capa state", "implementing")
    VERIFYING = "verifying", pgettext_lazy("capa state", "verifying")
    CLOSED = "closed", pgettext_lazy("capa state", "closed")
    CANCELLED = "cancelled", pgettext_lazy("capa state", "cancelled")


#: States in which a CAPA is still being worked on (counted as open, can be overdue).
ACTIVE_STATES = (
    CapaState.OPEN,
    CapaState.INVESTIGATING,
    CapaState.IMPLEMENTING,
    CapaState.VERIFYING,
)


class CapaKind(models.TextChoices):
    CORRECTIVE = "corrective", pgettext_lazy("capa kind", "corrective")
    PREVENTIVE = "preventive", pgettext_lazy("capa kind", "preventive")


class RootCauseMethod(models.TextChoices):
    FIVE_WHY = "5why", _("5 why")
    FISHBONE = "fishbone", _("fishbone (Ishikawa)")
    FAULT_TREE = "fault_tree", _("fault tree")
    OTHER = "other", pgettext_lazy("root cause method", "other")


class Effectiveness(models.TextChoices):
    EFFECTIVE = "effective", _("effective")
    NOT_EFFECTIVE = "not_effective", _("not effective")


class ActionKind(models.TextChoices):
    CORRECTION = "correction", pgettext_lazy("capa action kind", "correction")
    CORRECTIVE = "corrective", pgettext_lazy("capa action kind", "corrective action")
    PREVENTIVE = "preventive", pgettext_lazy("capa action kind", "preventive action")


class LinkKind(models.TextChoices):
    NCR = "ncr", _("nonconformance")
    COMPLAINT = "complaint", pgettext_lazy("capa link", "complaint")
    AUDIT = "audit", pgettext_lazy("capa link", "audit")
    RECALL = "recall", pgettext_lazy("capa link", "recall")


class Capa(models.Model):
    """One corrective or preventive action record (纠正预防措施), numbered ``CA-2026-00001``."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=CapaKind.choices, default=CapaKind.CORRECTIVE
    )
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem statement"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=CapaState.choices, default=CapaState.OPEN
    )
    root_cause = models.TextField(_("root cause"), blank=True, default="")
    root_cause_method = models.CharField(
        _("root cause method"), max_length=12, choices=RootCauseMethod.choices, blank=True
    )
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    opened_by_name = models.CharField(_("opened by"), max_length=200, default="")
    effectiveness_criteria = models.TextField(_("effectiveness criteria"), blank=True, default="")
    effectiveness_due = models.DateField(_("effectiveness check due"), null=True, blank=True)
    effectiveness_result = models.CharField(
        _("effectiveness result"), max_length=16, choices=Effectiveness.choices, blank=True
    )
    effectiveness_evidence = models.TextField(_("effectiveness evidence"), blank=True, default="")
    effectiveness_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    effectiveness_checked_at = models.DateTimeField(
        _("effectiveness checked"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("CAPA")
        verbose_name_plural = _("CAPAs")
        permissions = [
            ("close_capa", "Can close a CAPA by signature"),
            ("check_capa_effectiveness", "Can record a CAPA's effectiveness check"),
        ]
        indexes = [models.Index(fields=["state"], name="capa_capa_state")]

    def __str__(self) -> str:
        return self.number or str(_("new CAPA"))


class CapaAction(models.Model):
    """One action of a CAPA: a correction, a corrective or a preventive action, with an owner
    and a due date; done once, with its evidence."""

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField(_("description"))
    kind = models.CharField(
        _("kind"), max_length=12, choices=ActionKind.choices, default=ActionKind.CORRECTIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence = models.TextField(_("evidence"), blank=True, default="")
    created_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("CAPA action")
        verbose_name_plural = _("CAPA actions")

    def __str__(self) -> str:
        return f"{self.capa} #{self.pk}"


class CapaLink(models.Model):
    """What raised the CAPA or belongs to it: an NCR, a complaint, a recall (by id, with its
    number copied for reading) or an audit (a free reference, ``ref_id`` empty)."""

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="links")
    kind = models.CharField(_("kind"), max_length=12, choices=LinkKind.choices)
    ref_id = models.PositiveIntegerField(_("record id"), null=True, blank=True)
    ref_number = models.CharField(_("reference"), max_length=64)
    created_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("CAPA link")
        verbose_name_plural = _("CAPA links")
        constraints = [
            models.UniqueConstraint(
                fields=["capa", "kind", "ref_number"], name="capa_link_unique_per_capa"
            )
        ]
        indexes = [models.Index(fields=["kind", "ref_id"], name="capa_link_ref")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref_number}"
