"""The published API contract (docs/openapi-v1.json) changes only on purpose (STYLE rule 11).

Integrators build against the OpenAPI document; a change to a schema, path or error shape must be
reviewed as a contract change. Refresh the snapshot with ``make openapi`` and commit it with the
change that caused it.
"""

from __future__ import annotations

import json
from pathlib import Path

from mederp.config.api import api

SNAPSHOT = Path(__file__).resolve().parent.parent / "docs" / "openapi-v1.json"


def current_schema() -> str:
    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_api_matches_the_committed_openapi_snapshot():
    assert SNAPSHOT.exists(), "run `make openapi` and commit docs/openapi-v1.json"
    assert current_schema() == SNAPSHOT.read_text(encoding="utf-8"), (
        "the API contract changed: review it, run `make openapi` and commit docs/openapi-v1.json"
    )
