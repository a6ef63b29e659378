"""Every list operation refuses an ``offset`` no database can hold with 422 and answers the
largest one it can hold without a 500 (invariant 7; found by the contract tests, where
``?offset=3172532244798114290827022827520`` reached SQLite's OFFSET and failed there)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mederp.config.api import api as ninja_api
from mederp.core.schemas import DB_INT_MAX


def paged_operations() -> list[str]:
    document = ninja_api.get_openapi_schema()
    return sorted(
        path
        for path, operations in document["paths"].items()
        if any(
            p["name"] == "offset" and p["in"] == "query"
            for p in operations.get("get", {}).get("parameters", [])
        )
    )


PAGED = paged_operations()


def test_the_list_operations_are_found() -> None:
    assert "/api/v1/quality/deviations" in PAGED and len(PAGED) >= 15


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGED)
def test_an_offset_beyond_the_database_is_refused_and_the_largest_is_answered(
    path: str, api: Client
) -> None:
    url = re.sub(r"\{[^}]+\}", "1", path)

    refused = api.get(url, {"offset": DB_INT_MAX + 1})
    largest: Any = api.get(url, {"offset": DB_INT_MAX})

    assert refused.status_code == 422, refused.content
    assert refused.json()["code"] == "validation_failed"
    assert "offset" in refused.json()["details"]["fields"]
    assert largest.status_code in (200, 404), largest.content
