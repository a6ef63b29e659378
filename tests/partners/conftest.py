"""Partner fixtures: partners and documents created through the services (tests need no
cross-imports: test folders are not packages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from mederp.core.actors import Actor
from mederp.partners import services
from mederp.partners.models import Partner, QualificationDocument
from mederp.partners.rules import uscc_check_character

# Real-format code (GB 32100-2015): registration authority 9 (market regulation), type 1
# (company), division 320505 (Suzhou Huqiu district), organisation code MA1N7Q4K5, check H.
SUZHOU_EXAMPLE_USCC = "91320505MA1N7Q4K5H"


@pytest.fixture
def uscc_for() -> Callable[[int], str]:
    """A distinct valid code per number: 91 + division 320505 + organisation code + check."""

    def make(n: int) -> str:
        body = f"91320505MA{n:07d}"
        return body + uscc_check_character(body)

    return make


@pytest.fixture
def make_partner(db: Any, system: Actor, uscc_for: Callable[[int], str]) -> Callable[..., Partner]:
    counter = iter(range(1, 100_000))

    def make(**kw: Any) -> Partner:
        n = next(counter)
        values: dict[str, Any] = {
            "code": f"P{n:03d}",
            "name": f"测试{n}号伙伴",
            "is_supplier": True,
            "is_customer": False,
            "uscc": uscc_for(n),
        }
        values.update(kw)
        return services.create_partner(system, **values)

    return make


@pytest.fixture
def supplier(db: Any, system: Actor) -> Partner:
    return services.create_partner(
        system,
        code="SUP-001",
        name="苏州示例医疗科技有限公司",
        name_en="Suzhou Example Co., Ltd.",
        is_supplier=True,
        is_customer=False,
        uscc=SUZHOU_EXAMPLE_USCC,
        address="苏州市虎丘区示例路1号",
        contact="王工",
        phone="0512-0000000",
        email="qa@example.cn",
    )


@pytest.fixture
def licence(supplier: Partner, system: Actor) -> QualificationDocument:
    return services.add_document(
        system,
        supplier.pk,
        kind="distribution_licence",
        number="苏苏药监械经营许20200001号",
        valid_from=dt.date(2022, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        scope=["07", "14-01"],
        authority="苏州市市场监督管理局",
    )
