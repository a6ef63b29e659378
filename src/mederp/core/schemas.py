"""Shared API schemas."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class StrictIn(Schema):
    """Base of every input schema: unknown fields are refused (invariant 7), text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
