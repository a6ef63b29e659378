"""Catalog fixtures: a unit of measure, valid GTIN-14s, products built through the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mederp.catalog import services
from mederp.catalog.models import Product, Registration, UnitOfMeasure
from mederp.catalog.rules import gtin_check_digit
from mederp.core import clock
from mederp.core.actors import Actor

#: The day the catalog tests live on (18:00 in Suzhou, so the UTC and local dates agree).
TODAY = dt.date(2026, 6, 15)


def gtin(seq: int) -> str:
    """A valid GTIN-14 (GS1 check digit computed) under the demo company's 690 prefix."""
    base = f"0690123{seq:06d}"
    return base + gtin_check_digit(base)


def bad_check_digit(value: str) -> str:
    return value[:-1] + str((int(value[-1]) + 1) % 10)


@pytest.fixture
def today() -> Iterator[dt.date]:
    with clock.frozen(dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)):
        yield TODAY


@pytest.fixture
def ea(db: Any, system: Actor) -> UnitOfMeasure:
    return services.create_uom(system, code="EA", name_zh="个", name_en="each")


def product_fields(seq: int = 1, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "code": f"P-{seq:04d}",
        "name_zh": "一次性使用无菌注射器",
        "name_en": "Sterile syringe for single use",
        "gtin": gtin(seq),
        "uom": "EA",
        "tracking": "lot",
        "device_class": "II",
        "category_code": "14-02",
        "shelf_life_days": 1095,
        "specification": "5 ml",
        "manufacturer": "苏州示例医疗科技有限公司",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_product(ea: UnitOfMeasure, system: Actor) -> Callable[..., Product]:
    def make(seq: int = 1, **overrides: Any) -> Product:
        return services.create_product(system, **product_fields(seq, **overrides))

    return make


@pytest.fixture
def product(make_product: Callable[..., Product]) -> Product:
    return make_product()


@pytest.fixture
def make_registration(system: Actor) -> Callable[..., Registration]:
    def make(product: Product, **overrides: Any) -> Registration:
        fields: dict[str, Any] = {
            "jurisdiction": "CN",
            "kind": "registration",
            "number": "苏械注准20242140001",
            "valid_from": dt.date(2024, 1, 1),
            "valid_until": dt.date(2029, 1, 1),
            "holder": "苏州示例医疗科技有限公司",
            "scope": "用于抽取药液或注射",
        }
        fields.update(overrides)
        return services.add_registration(system, product.pk, **fields)

    return make
