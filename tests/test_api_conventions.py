"""Meta-tests that keep the API's conventions (STYLE rule 8; invariants 5 and 7)."""

from __future__ import annotations

import inspect
import re

import pytest

from tests.test_access_control import api_operations

CREATING = [(m, p, v) for m, p, v in api_operations() if m == "POST"]


def test_there_are_creating_posts_to_check():
    assert len(CREATING) >= 5


@pytest.mark.parametrize("method,path,view", CREATING, ids=lambda v: str(v)[:60])
def test_every_creating_post_goes_through_the_idempotency_guard(method, path, view):
    assert _goes_through_guard(inspect.unwrap(view)), f"{method} {path} ignores Idempotency-Key"


def _goes_through_guard(handler) -> bool:  # type: ignore[no-untyped-def]
    """The handler calls ``run_idempotent`` itself or through a function of its own module that
    does (one level: an app's ``_write(request, payload, status, work)`` helper)."""
    source = inspect.getsource(handler)
    if "run_idempotent(" in source:
        return True
    module_globals = getattr(handler, "__globals__", {})
    for name in set(re.findall(r"\b(_?[a-z][a-z0-9_]*)\(", source)):
        helper = module_globals.get(name)
        if (
            inspect.isfunction(helper)
            and helper.__module__ == handler.__module__
            and "run_idempotent(" in inspect.getsource(helper)
        ):
            return True
    return False


@pytest.mark.parametrize("method,path,view", api_operations(), ids=lambda v: str(v)[:60])
def test_every_operation_documents_coded_errors(method, path, view):
    from mederp.config.api import api

    schema = api.get_openapi_schema()
    ninja_path = path.removeprefix("/api/v1")
    operation = schema["paths"]["/api/v1" + ninja_path][method.lower()]
    assert {"401", "403"} <= {str(code) for code in operation["responses"]}, f"{method} {path}"
