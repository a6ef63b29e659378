"""Inventory fixtures: a warehouse with a cold room, a JSON client helper, the tables to watch."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from mederp.core.actors import Actor
from mederp.inventory import services
from mederp.inventory.models import Location, Warehouse

#: What a refused request must leave alone (with the kernel tables ``unchanged`` always checks).
TABLES = (Warehouse, Location)


@pytest.fixture
def send() -> Callable[..., Any]:
    """``send(client, "post", url, body, **headers)``: a JSON request; a str body goes as is."""

    def call(client: Client, method: str, url: str, body: Any = None, **headers: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
        return client.generic(
            method.upper(), url, data=data, content_type="application/json", **headers
        )

    return call


@pytest.fixture
def warehouse(admin: Actor) -> Warehouse:
    return services.create_warehouse(
        admin,
        code="SZ01",
        name_zh="苏州仓",
        name_en="Suzhou warehouse",
        address="江苏省苏州市工业园区示例路 1 号",
    )


@pytest.fixture
def cold_room(admin: Actor, warehouse: Warehouse) -> Location:
    return services.create_location(
        admin,
        warehouse.pk,
        code="COLD",
        name="冷库 2–8 °C",
        name_en="Cold room",
        kind="cold",
        temp_min_c=Decimal("2"),
        temp_max_c=Decimal("8"),
    )


@pytest.fixture
def quarantine(admin: Actor, warehouse: Warehouse) -> Location:
    return services.create_location(
        admin, warehouse.pk, code="QUA", name="待验区", name_en="Quarantine", kind="quarantine"
    )
