"""Catalog master data: units of measure, products (UDI-DI), registration certificates."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core.temperature import temperature_field

hibc_di_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{3}[A-Z0-9]{1,18}[0-9]$",
    _(
        "An HIBC identifier is the 4-character labeler code (first a letter), the product number "
        "(1-18 letters or digits) and the unit-of-measure digit, e.g. A123BJC5D6E71."
    ),
    code="hibc_di",
)


class UnitOfMeasure(models.Model):
    """A unit in which quantities are counted (EA, BOX, ...)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Tracking(models.TextChoices):
    """How each unit is identified in stock (UDI-PI: lot AI 10 or serial AI 21)."""

    NONE = "none", _("none")
    LOT = "lot", _("lot")
    SERIAL = "serial", _("serial")


class DeviceClass(models.TextChoices):
    """Risk class (条例 第六条; 21 CFR 860; MDR Annex VIII). ``none`` marks components and
    materials that are not devices themselves (syringe barrels, stent tubing)."""

    I = "I", _("Class I")  # noqa: E741 - the regulatory name of the class
    II = "II", _("Class II")
    III = "III", _("Class III")
    NONE = "none", _("not a device (component or material)")


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    INACTIVE = "inactive", _("inactive")


class ApprovalState(models.TextChoices):
    """首营品种 approval (经营质量管理规范 第六十一条; ES-12): a product is usable only once
    approved by an electronic signature on its current content."""

    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    APPROVED = "approved", _("approved")
    OBSOLETE = "obsolete", _("obsolete")


#: A century: anything longer is a typing slip, and the bound is the same on every database.
MAX_SHELF_LIFE_DAYS = 36_500


class Product(models.Model):
    """A device or component, identified by its UDI-DI (GTIN-14; 21 CFR 830.3, MDR Art. 27,
    唯一标识系统规则 第三条; UDI-01, UDI-03)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    specification = models.CharField(
        _("specification / model"), max_length=200, blank=True, default=""
    )
    uom = models.ForeignKey(
        UnitOfMeasure,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("base unit of measure"),
    )
    gtin = models.CharField(_("GTIN-14 (UDI-DI)"), max_length=14, unique=True)
    tracking = models.CharField(_("tracking"), max_length=8, choices=Tracking.choices)
    shelf_life_days = models.PositiveIntegerField(
        _("shelf life (days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_SHELF_LIFE_DAYS)],
    )
    storage_min_c = temperature_field(_("storage minimum (°C)"))
    storage_max_c = temperature_field(_("storage maximum (°C)"))
    device_class = models.CharField(_("device class"), max_length=8, choices=DeviceClass.choices)
    category_code = models.CharField(_("classification code"), max_length=32)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True, default="")
    # HIBC primary data (LIC + product/catalogue number + unit of measure digit, UDI-06): the
    # device identifier a scanned HIBC label is matched on, for devices labelled HIBC not GS1.
    hibc_di = models.CharField(
        _("HIBC identifier"),
        max_length=24,
        blank=True,
        default="",
        db_index=True,
        validators=[hibc_di_validator],
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    # Changed only by the approval workflow (core.workflow), never by an edit.
    approval_state = models.CharField(
        _("approval state"),
        max_length=16,
        choices=ApprovalState.choices,
        default=ApprovalState.DRAFT,
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [("approve_product", "Can approve product master data (首营品种)")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(storage_min_c__isnull=True)
                    | models.Q(storage_max_c__isnull=True)
                    | models.Q(storage_min_c__lte=models.F("storage_max_c"))
                ),
                name="catalog_product_storage_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def is_device(self) -> bool:
        return self.device_class != DeviceClass.NONE


class Jurisdiction(models.TextChoices):
    CN = "CN", _("China (NMPA)")
    US = "US", _("United States (FDA)")
    EU = "EU", _("European Union (MDR/IVDR)")
    UK = "UK", _("United Kingdom (MHRA)")
    JP = "JP", _("Japan (PMDA)")
    KR = "KR", _("Korea (MFDS)")
    CA = "CA", _("Canada (Health Canada)")
    AU = "AU", _("Australia (TGA)")
    HK = "HK", _("Hong Kong (MDD)")
    SG = "SG", _("Singapore (HSA)")
    BR = "BR", _("Brazil (ANVISA)")


class RegistrationKind(models.TextChoices):
    REGISTRATION = "registration", _("registration certificate (注册证)")
    FILING = "filing", _("filing record (备案凭证)")


class Registration(models.Model):
    """A product's market authorisation in one jurisdiction: 医疗器械注册证 or 备案凭证
    (条例 第十三条; 经营办法 第三十一条; CN-02, CN-04). Its validity gates purchase and sale
    (invariant 6)."""

    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("product"),
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=4, choices=Jurisdiction.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=RegistrationKind.choices)
    number = models.CharField(_("certificate number"), max_length=100)
    scope = models.TextField(_("scope"), blank=True, default="")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"))
    holder = models.CharField(_("registrant / holder"), max_length=200, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["product_id", "jurisdiction", "-valid_until", "id"]
        verbose_name = _("registration certificate")
        verbose_name_plural = _("registration certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "number"], name="catalog_registration_number_unique"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(valid_from__isnull=True)
                    | models.Q(valid_from__lte=models.F("valid_until"))
                ),
                name="catalog_registration_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.number}"
