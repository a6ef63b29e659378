"""Partners: suppliers and customers, and their qualification documents (首营, CN-01, CN-03)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.partners import rules

#: A century, as for a product's shelf life: anything longer is a typing slip.
MAX_SHELF_LIFE_DAYS = 36_500

partner_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9._-]*$", _("Use letters, digits, dot, dash or underscore.")
)


class Partner(models.Model):
    """A company MedERP buys from and/or sells to (经营办法 第三十一、三十八条).

    ``name_key`` is the normalised name (:func:`mederp.core.names.normalise_name`), kept so exact
    near-duplicates are one indexed lookup. ``uscc`` is unique among partners that have one.
    """

    class Status(models.TextChoices):
        """The trading status (approved supplier list, ISO 13485 §7.4.1; CN-21). For suppliers it
        is decided by a signed supplier evaluation (``status_evaluation`` names it); the stored
        value of "disqualified" stays ``blocked``, which the purchase and sales gates refuse."""

        APPROVED = "approved", _("approved")
        CONDITIONAL = "conditional", _("conditional")
        BLOCKED = "blocked", _("disqualified")

    code = models.CharField(
        _("code"), max_length=32, unique=True, validators=[partner_code_validator]
    )
    name = models.CharField(_("legal name"), max_length=200)
    name_key = models.CharField(
        _("normalised name"), max_length=200, db_index=True, blank=True, editable=False
    )
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    is_customer = models.BooleanField(_("customer"), default=False)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # GSP sales: a customer (a hospital's tender, a distributor's contract) may refuse devices
    # with less than this many days left to expiry on delivery; allocation honours it.
    min_remaining_shelf_life_days = models.PositiveIntegerField(
        _("minimum remaining shelf life (days)"),
        default=0,
        validators=[MaxValueValidator(MAX_SHELF_LIFE_DAYS)],
        help_text=_("Customers: devices delivered must have at least this many days to expiry."),
    )

    class QualificationState(models.TextChoices):
        """首营企业 / 购货者 qualification approval (经营质量管理规范 第六十一、六十二条; ES-12):
        a partner is usable only once approved by an electronic signature on its current
        master data and qualification documents."""

        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("in review")
        APPROVED = "approved", _("approved")
        SUSPENDED = "suspended", _("suspended")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CONDITIONAL
    )
    # Changed only by the qualification workflow (core.workflow), never by an edit.
    qualification_state = models.CharField(
        _("qualification approval"),
        max_length=16,
        choices=QualificationState.choices,
        default=QualificationState.DRAFT,
    )
    # The supplier evaluation (SE-YYYY-NNNNN) whose signed decision set ``status``; empty when
    # the status was set by hand or never evaluated.
    status_evaluation = models.CharField(
        _("status decided by evaluation"), max_length=32, blank=True, default=""
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        permissions = [
            ("approve_partner", "Can approve partner qualification (首营企业)"),
            ("set_supplier_status", "Can set a supplier's status from a signed evaluation"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_supplier=True) | models.Q(is_customer=True),
                name="partners_partner_has_a_role",
            ),
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="partners_partner_uscc_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class QualificationDocument(models.Model):
    """A licence, filing or certificate on file for a partner (CN-01, CN-03; ISO 13485 §7.4.1).

    ``scope`` is the list of device category codes the document covers; ``file_sha256`` the hash
    of the scanned original (DI-02), the file itself is stored elsewhere. (kind, number) is unique:
    one licence cannot be filed twice, nor for two partners.
    """

    class Kind(models.TextChoices):
        BUSINESS_LICENCE = rules.BUSINESS_LICENCE, _("Business licence (营业执照)")
        MANUFACTURING_LICENCE = (
            rules.MANUFACTURING_LICENCE,
            _("Manufacturing licence (医疗器械生产许可证)"),
        )
        DISTRIBUTION_LICENCE = (
            rules.DISTRIBUTION_LICENCE,
            _("Distribution licence (医疗器械经营许可证)"),
        )
        CLASS2_FILING = rules.CLASS2_FILING, _("Class II filing (第二类医疗器械经营备案凭证)")
        ISO13485_CERTIFICATE = rules.ISO13485_CERTIFICATE, _("ISO 13485 certificate")
        OTHER = rules.OTHER, _("Other")

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="documents", verbose_name=_("partner")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=100)
    authority = models.CharField(_("issuing authority"), max_length=200, blank=True)
    scope = models.JSONField(_("business scope"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partner_id", "kind", "number"]
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number"], name="partners_document_kind_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
