"""Products: the item master with its UDI-DI (UDI-01, UDI-03; 经营办法 第三十二条, CN-02).

Near-duplicate names do not refuse a create; callers show them with
:func:`mederp.catalog.selectors.near_duplicate_products`.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from mederp.catalog import events, rules
from mederp.catalog.errors import (
    GtinInvalid,
    GtinMalformed,
    GtinReserved,
    GtinTaken,
    ProductCodeTaken,
    ShelfLifeNegative,
    TemperatureRangeInvalid,
    UomInactive,
    UomUnknown,
)
from mederp.catalog.locks import lock_product
from mederp.catalog.models import Product, UnitOfMeasure
from mederp.catalog.services.approval import reopen_if_changed
from mederp.core import canonical
from mederp.core.actors import Actor
from mederp.core.services import assign, authorize, check_version, created, updated, validate
from mederp.core.temperature import exact_temperature

PRODUCT_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "specification",
    "uom",
    "gtin",
    "tracking",
    "shelf_life_days",
    "storage_min_c",
    "storage_max_c",
    "device_class",
    "category_code",
    "manufacturer",
    "hibc_di",
    "status",
)
_TEXT_FIELDS = ("name_zh", "name_en", "specification", "category_code", "manufacturer")
_CHOICE_FIELDS = ("tracking", "device_class", "status")
_TEMPERATURE_FIELDS = ("storage_min_c", "storage_max_c")


def product_payload(product: Product) -> dict[str, Any]:
    """The event payload: every master-data field, the unit by id and code."""
    payload = canonical.snapshot(product)
    payload["id"] = product.pk
    payload["uom_code"] = product.uom.code
    return payload


def _resolve_uom(value: Any) -> UnitOfMeasure:
    """A unit given as an instance, a primary key or a code (the API and the demo use codes)."""
    uom: UnitOfMeasure | None
    if isinstance(value, UnitOfMeasure):
        uom = UnitOfMeasure.objects.filter(pk=value.pk).first()
    elif isinstance(value, int) and not isinstance(value, bool):
        uom = UnitOfMeasure.objects.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        uom = UnitOfMeasure.objects.filter(code=value.strip().upper()).first()
    else:
        uom = None
    if uom is None:
        raise UomUnknown(value=str(value), field="uom")
    return uom


def _normalise(values: dict[str, Any]) -> dict[str, Any]:
    """Trim text, upper-case the code, plain strings for choices, Decimals for temperatures."""
    out = dict(values)
    if isinstance(out.get("code"), str):
        out["code"] = out["code"].strip().upper()
    if isinstance(out.get("gtin"), str):
        out["gtin"] = out["gtin"].strip()
    if isinstance(out.get("hibc_di"), str):
        out["hibc_di"] = out["hibc_di"].strip().upper()
    for name in _TEXT_FIELDS:
        if isinstance(out.get(name), str):
            out[name] = out[name].strip()
    for name in _CHOICE_FIELDS:
        if isinstance(out.get(name), enum.Enum):
            out[name] = out[name].value
    for name in _TEMPERATURE_FIELDS:
        if name in out:
            out[name] = exact_temperature(out[name], name)
    return out


def _check(product: Product, *, check_uom_active: bool) -> None:
    """Every product rule, most specific refusal first; raises, writes nothing."""
    problem = rules.gtin_problem(product.gtin)
    if problem is rules.GtinProblem.FORMAT:
        raise GtinMalformed(value=product.gtin, field="gtin")
    if problem is rules.GtinProblem.CHECK_DIGIT:
        raise GtinInvalid(value=product.gtin, field="gtin")
    if problem is rules.GtinProblem.RESERVED:
        raise GtinReserved(value=product.gtin, field="gtin")
    shelf_life = product.shelf_life_days
    if shelf_life is not None and (
        isinstance(shelf_life, bool) or not isinstance(shelf_life, int) or shelf_life < 1
    ):
        raise ShelfLifeNegative(value=shelf_life, field="shelf_life_days")
    low, high = product.storage_min_c, product.storage_max_c
    if low is not None and high is not None and low > high:
        raise TemperatureRangeInvalid(min=str(low), max=str(high), field="storage_min_c")
    if check_uom_active and not product.uom.is_active:
        raise UomInactive(value=product.uom.code, field="uom")
    validate(product)
    _check_unique(product)


def _check_unique(product: Product) -> None:
    others = Product.objects.exclude(pk=product.pk) if product.pk else Product.objects.all()
    if others.filter(code=product.code).exists():
        raise ProductCodeTaken(value=product.code, field="code")
    holder = others.filter(gtin=product.gtin).values_list("code", flat=True).first()
    if holder is not None:
        raise GtinTaken(value=product.gtin, other=holder, field="gtin")


def _save(product: Product) -> None:
    """Save; a concurrent insert of the same code or GTIN becomes the coded refusal, not a 500."""
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        _check_unique(product)
        raise


@transaction.atomic
def create_product(
    actor: Actor,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    gtin: str,
    uom: UnitOfMeasure | int | str,
    tracking: str,
    device_class: str,
    category_code: str,
    shelf_life_days: int | None = None,
    storage_min_c: Decimal | None = None,
    storage_max_c: Decimal | None = None,
    specification: str = "",
    manufacturer: str = "",
    hibc_di: str = "",
) -> Product:
    """Create a product master record (首营品种 data, CN-02; UDI-DI per UDI-01/UDI-03).

    ``uom`` is a UnitOfMeasure, its id or its code. Refuses an invalid or taken GTIN, a taken
    code, a shelf life under one day and a storage minimum above the maximum.
    """
    authorize(actor, "catalog.add_product")
    values = _normalise(
        {
            "code": code,
            "name_zh": name_zh,
            "name_en": name_en,
            "gtin": gtin,
            "tracking": tracking,
            "device_class": device_class,
            "category_code": category_code,
            "shelf_life_days": shelf_life_days,
            "storage_min_c": storage_min_c,
            "storage_max_c": storage_max_c,
            "specification": specification,
            "manufacturer": manufacturer,
            "hibc_di": (hibc_di or "").strip().upper(),
        }
    )
    product = Product(uom=_resolve_uom(uom), **values)
    _check(product, check_uom_active=True)
    _save(product)
    created(actor, product, events.PRODUCT_CREATED, product_payload(product))
    return product


@transaction.atomic
def change_product(
    actor: Actor,
    product_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> Product:
    """Change master data; a reason is required (AT-04) and the old values stay in the audit
    trail (AT-05). ``expected_version`` refuses an edit made from a stale copy. An approved
    product whose signed content changes goes back to review (its signature shows invalid)."""
    authorize(actor, "catalog.change_product")
    product = lock_product(product_id)
    check_version(product, expected_version)
    before = canonical.snapshot(product)
    changes = _normalise(changes)
    uom_changed = False
    if "uom" in changes:
        changes["uom"] = _resolve_uom(changes["uom"])
        uom_changed = changes["uom"].pk != product.uom_id
    assign(product, changes, PRODUCT_FIELDS)
    _check(product, check_uom_active=uom_changed)
    if canonical.diff(before, canonical.snapshot(product)):
        product.version += 1
        _save(product)
        updated(
            actor, product, before, events.PRODUCT_CHANGED, product_payload(product), reason=reason
        )
        reopen_if_changed(actor, product, reason=reason)
    return product
