"""Recalls: the decision (class, reason, deadline, signatures), what it names, every lot and
serial it reaches, and the consignee list with each consignee's notification, acknowledgement
and reconciliation (RC-01..RC-06; 医疗器械召回管理办法; 21 CFR 7, 806; ISO 13485 §8.3.3).

A recall is opened by signature (meaning ``opened``) and closed by another person's signature
(``closed``). Opening holds every affected lot and serial (status ``recalled``) and snapshots
the distribution records reached into :class:`RecallLine` rows: a consignee's name, address and
contact stay what they were when the list was made, and tracking is recorded against them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.inventory.models.stock import quantity_field

LOT, SERIAL = "lot", "serial"
NODE_KINDS = [(LOT, _("lot")), (SERIAL, _("serial"))]


class RecallClass(models.TextChoices):
    """FDA class (21 CFR 7.3) and China's level (召回管理办法): I is the gravest."""

    CLASS_I = "I", pgettext_lazy("recall class", "Class I")
    CLASS_II = "II", pgettext_lazy("recall class", "Class II")
    CLASS_III = "III", pgettext_lazy("recall class", "Class III")


class RecallState(models.TextChoices):
    OPEN = "open", pgettext_lazy("recall state", "open")
    CLOSED = "closed", pgettext_lazy("recall state", "closed")


class NotificationMethod(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    VISIT = "visit", _("visit")
    OTHER = "other", pgettext_lazy("notification method", "other")


class Disposition(models.TextChoices):
    """What became of the units a consignee did not send back (RC-06)."""

    NONE = "", _("—")
    DESTROYED = "destroyed", _("destroyed")
    CORRECTED = "corrected", _("corrected on site")
    CONSUMED = "consumed", _("used up")
    OTHER = "other", pgettext_lazy("disposition", "other")


class Recall(models.Model):
    """One recall (召回): opened by signature, closed by another person's signature.

    The signed content is the decision: number, class, reason, decision date and the named
    lots and serials (``scope_summary``). Counts and totals are facts of the list made when it
    opened; ``accounted_quantity`` and ``effectiveness`` are fixed at closing (RC-06).
    """

    number = models.CharField(_("number"), max_length=32, unique=True)
    classification = models.CharField(
        _("classification"), max_length=3, choices=RecallClass.choices
    )
    reason = models.TextField(_("reason"))
    products_summary = models.CharField(_("products"), max_length=300, blank=True, default="")
    scope_summary = models.TextField(_("named lots and serials"))
    state = models.CharField(
        _("state"), max_length=8, choices=RecallState.choices, default=RecallState.OPEN
    )
    decision_date = models.DateField(_("decision date"))
    notification_deadline = models.DateField(_("notify consignees by"))
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    opened_by_name = models.CharField(_("opened by"), max_length=200)
    open_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    affected_lots = models.PositiveIntegerField(_("lots affected"), default=0)
    affected_serials = models.PositiveIntegerField(_("serials affected"), default=0)
    on_hand_quantity = quantity_field(_("on hand when opened"), default=0)
    line_count = models.PositiveIntegerField(_("consignee lines"), default=0)
    consignee_count = models.PositiveIntegerField(_("consignees"), default=0)
    shipped_quantity = quantity_field(_("quantity shipped"), default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_by_name = models.CharField(_("closed by"), max_length=200, blank=True, default="")
    close_signature = models.ForeignKey(
        "core.Signature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(_("closing assessment"), blank=True, default="")
    accounted_quantity = quantity_field(_("quantity accounted for"), null=True, blank=True)
    effectiveness = models.DecimalField(
        _("effectiveness"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("recall")
        verbose_name_plural = _("recalls")
        default_permissions = ("view",)
        permissions = [
            ("open_recall", "Can open a recall by signature (holds the affected stock)"),
            ("track_recall", "Can record consignee notification, acknowledgement and returns"),
            ("close_recall", "Can close a recall by signature"),
            ("view_trace", "Can run forward and backward traces"),
        ]
        indexes = [models.Index(fields=["state"], name="compliance_recall_state")]

    def __str__(self) -> str:
        return self.number or str(_("new recall"))


class RecallScope(models.Model):
    """A lot or serial the recall names (what QA decided to recall)."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="scope")
    kind = models.CharField(max_length=8, choices=NODE_KINDS)
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("lot or serial"), max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("recall scope")
        verbose_name_plural = _("recall scope")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=LOT) & Q(lot__isnull=False) & Q(serial__isnull=True))
                | (Q(kind=SERIAL) & Q(serial__isnull=False)),
                name="compliance_scope_node",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class RecallItem(models.Model):
    """A lot or serial the recall reached (forward: the named ones and everything made from
    them), with its status before the recall and its stock on hand when the recall opened."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=8, choices=NODE_KINDS)
    node_id = models.BigIntegerField()
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.ForeignKey(
        "inventory.Serial", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("lot or serial"), max_length=64)
    previous_status = models.CharField(_("status before"), max_length=16)
    on_hand = quantity_field(_("on hand when opened"), default=0)
    depth = models.PositiveIntegerField(_("depth"), default=0)

    class Meta:
        ordering = ["depth", "id"]
        verbose_name = _("recalled lot or serial")
        verbose_name_plural = _("recalled lots and serials")
        default_permissions = ()
        indexes = [models.Index(fields=["kind", "node_id"], name="compliance_item_node")]
        constraints = [
            models.UniqueConstraint(
                fields=["recall", "kind", "node_id"], name="compliance_item_once"
            ),
            models.CheckConstraint(
                condition=(Q(kind=LOT) & Q(node_id=F("lot")))
                | (Q(kind=SERIAL) & Q(node_id=F("serial"))),
                name="compliance_item_node_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class RecallLine(models.Model):
    """One distribution record the recall reached: whom to notify, about what, and how it went
    (RC-02, RC-04, RC-06). The consignee, device and shipment columns are copied when the list
    is made; the tracking columns are recorded by :mod:`mederp.compliance.services`."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(RecallItem, on_delete=models.PROTECT, related_name="lines")
    record = models.ForeignKey(
        "sales.DistributionRecord", on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    consignee_code = models.CharField(_("consignee code"), max_length=32)
    consignee_name = models.CharField(_("consignee"), max_length=200)
    consignee_address = models.CharField(_("address"), max_length=300)
    consignee_contact = models.CharField(_("contact"), max_length=200, blank=True, default="")
    consignee_phone = models.CharField(_("phone"), max_length=50, blank=True, default="")
    consignee_email = models.CharField(_("email"), max_length=254, blank=True, default="")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    product_code = models.CharField(_("product code"), max_length=32)
    product_name = models.CharField(_("device name"), max_length=200)
    specification = models.CharField(_("model / specification"), max_length=200, blank=True)
    gtin = models.CharField(_("UDI-DI (GTIN)"), max_length=14)
    lot_number = models.CharField(_("lot number"), max_length=64, blank=True, default="")
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True, default="")
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = quantity_field(_("quantity shipped"))
    previously_returned = quantity_field(_("returned before the recall"), default=0)
    shipped_on = models.DateField(_("ship date"))
    shipment_number = models.CharField(_("shipment"), max_length=32)
    order_number = models.CharField(_("order"), max_length=32)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    notified_via = models.CharField(
        _("notified by way of"),
        max_length=8,
        choices=NotificationMethod.choices,
        blank=True,
        default="",
    )
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notified_by_name = models.CharField(_("notified by"), max_length=200, blank=True, default="")
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    quantity_returned = quantity_field(_("quantity returned"), default=0)
    quantity_accounted = quantity_field(_("quantity otherwise accounted for"), default=0)
    disposition = models.CharField(
        _("disposition"), max_length=12, choices=Disposition.choices, blank=True, default=""
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    # "Returned and accounted for <= shipped" is the service's check, in Decimal: SQLite keeps
    # decimals as floats, where a sum such as 0.1 + 0.2 would fail a database check.

    class Meta:
        ordering = ["consignee_code", "shipped_on", "id"]
        verbose_name = _("recall line")
        verbose_name_plural = _("recall lines")
        default_permissions = ()
        indexes = [
            models.Index(fields=["recall", "consignee_code"], name="compliance_line_consignee"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recall", "record"], name="compliance_line_once"),
            models.CheckConstraint(
                condition=Q(quantity_returned__gte=0) & Q(quantity_accounted__gte=0),
                name="compliance_line_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consignee_code} {self.product_code} {self.lot_number or self.serial_number}"
