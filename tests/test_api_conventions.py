"""Meta-tests that keep the API's conventions (STYLE rule 8; invariants 5 and 7)."""

from __future__ import annotations

import inspect

import pytest

from tests.test_access_control import api_operations

CREATING = [(m, p, v) for m, p, v in api_operations() if m == "POST"]


def test_there_are_creating_posts_to_check():
    assert len(CREATING) >= 5


@pytest.mark.parametrize("method,path,view", CREATING, ids=lambda v: str(v)[:60])
def test_every_creating_post_goes_through_the_idempotency_guard(method, path, view):
    source = inspect.getsource(inspect.unwrap(view))
    assert "run_idempotent(" in source, f"{method} {path} ignores Idempotency-Key"


@pytest.mark.parametrize("method,path,view", api_operations(), ids=lambda v: str(v)[:60])
def test_every_operation_documents_coded_errors(method, path, view):
    from mederp.config.api import api

    schema = api.get_openapi_schema()
    ninja_path = path.removeprefix("/api/v1")
    operation = schema["paths"]["/api/v1" + ninja_path][method.lower()]
    assert {"401", "403"} <= {str(code) for code in operation["responses"]}, f"{method} {path}"
