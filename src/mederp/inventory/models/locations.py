"""Inventory master data: warehouses and their locations (zones).

A move goes from one :class:`Location` to another, so the virtual partner locations (supplier,
customer) let goods in transit be booked like any other stock (invariant 4, TR-04).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mederp.core.temperature import temperature_field
from mederp.inventory import rules

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9._-]*$", _("Use letters, digits, dot, dash or underscore.")
)


class Warehouse(models.Model):
    """A site where stock is kept (经营办法 第三十三条: storage conditions and records per site)."""

    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class LocationKind(models.TextChoices):
    """What a location is for; it decides which stock status may sit there (TR-04, ISO 13485
    §7.5.11). Values are stable API and event vocabulary."""

    STORAGE = "storage", _("Released storage")
    COLD = "cold", _("Cold storage")
    QUARANTINE = "quarantine", _("Quarantine")
    REJECTED = "rejected", _("Rejected")
    RETURNS = "returns", _("Returns")
    SUPPLIER = "supplier", _("Supplier (in transit)")
    CUSTOMER = "customer", _("Customer (in transit)")
    PRODUCTION = "production", _("Production")
    SCRAP = "scrap", _("Scrap")
    ADJUSTMENT = "adjustment", _("Count adjustment")


#: The GSP zone names as they appear on signage and in Chinese records (DEMO.md, glossary).
KIND_NAMES_ZH: dict[str, str] = {
    LocationKind.STORAGE: "合格品区",
    LocationKind.COLD: "冷库",
    LocationKind.QUARANTINE: "待验区",
    LocationKind.REJECTED: "不合格品区",
    LocationKind.RETURNS: "退货区",
    LocationKind.SUPPLIER: "供应商",
    LocationKind.CUSTOMER: "客户",
    LocationKind.PRODUCTION: "生产",
    LocationKind.SCRAP: "报废",
    LocationKind.ADJUSTMENT: "盘点调整",
}


def kind_names(kind: str) -> tuple[str, str]:
    """(Chinese, English) name of a kind, whatever the UI language: the Chinese one as on the
    zone's signage, the English one from the choices. Pages show both (``冷库 · Cold storage``)."""
    if kind not in LocationKind.values:
        return kind, kind
    with translation.override("en"):
        return KIND_NAMES_ZH[kind], str(LocationKind(kind).label)


#: Kinds that stand for partners, not shelves: stock there is in transit from or to them.
VIRTUAL_KINDS = frozenset({LocationKind.SUPPLIER, LocationKind.CUSTOMER})

#: Kinds that stand for the world outside the warehouse's shelves: moves to or from them are
#: sources and sinks of stock, so they keep no balance and are never checked for negative stock
#: (docs/ledger.md, "External locations").
EXTERNAL_KINDS = frozenset(
    {
        LocationKind.SUPPLIER,
        LocationKind.CUSTOMER,
        LocationKind.PRODUCTION,
        LocationKind.SCRAP,
        LocationKind.ADJUSTMENT,
    }
)

#: Kinds where released stock is available to allocate (FEFO), the rest hold stock that is not.
SALEABLE_KINDS = frozenset({LocationKind.STORAGE, LocationKind.COLD})

#: Kinds whose storage temperature range is mandatory (冷链, CN-14, TR-09).
RANGE_REQUIRED_KINDS = frozenset({LocationKind.COLD})


class Location(models.Model):
    """A zone of a warehouse with a purpose (kind) and, where it matters, the temperature range it
    holds, so putaway can be checked against a product's storage conditions (TR-09; 条例 第四十七条;
    经营办法 第三十三条). The range is refused when inverted and required for cold rooms; the
    database enforces both as well."""

    Kind = LocationKind

    warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        related_name="locations",
        verbose_name=_("warehouse"),
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=16, choices=LocationKind.choices)
    temp_min_c = temperature_field(_("lowest storage temperature (°C)"))
    temp_max_c = temperature_field(_("highest storage temperature (°C)"))
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["warehouse_id", "code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        # unique_together (not UniqueConstraint): core.services.validate() leaves uniqueness to
        # the service, which refuses a taken code with its own coded error.
        unique_together = [("warehouse", "code")]
        constraints = [
            models.CheckConstraint(
                condition=Q(temp_min_c__isnull=True)
                | Q(temp_max_c__isnull=True)
                | Q(temp_min_c__lte=F("temp_max_c")),
                name="inventory_location_temp_range_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LocationKind.COLD)
                | Q(temp_min_c__isnull=False, temp_max_c__isnull=False),
                name="inventory_location_cold_has_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_virtual(self) -> bool:
        """A partner location (goods in transit from a supplier or to a customer), not a shelf."""
        return self.kind in VIRTUAL_KINDS

    @property
    def is_external(self) -> bool:
        """A source or sink of stock (supplier, customer, production, scrap, count adjustment):
        it keeps no balance."""
        return self.kind in EXTERNAL_KINDS

    @property
    def temperature_range(self) -> str:
        """The range as it reads on a page: ``2–8 °C``, ``≤ 25 °C`` or empty."""
        return rules.format_range(self.temp_min_c, self.temp_max_c)

    @property
    def kind_name_zh(self) -> str:
        return kind_names(self.kind)[0]

    @property
    def kind_name_en(self) -> str:
        return kind_names(self.kind)[1]
