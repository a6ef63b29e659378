"""Shared API schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field


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
    429: ErrorOut,
}


#: The largest integer both databases store (PostgreSQL BIGINT, SQLite INTEGER).
DB_INT_MAX = 2**63 - 1

#: A list's ``offset``: beyond DB_INT_MAX it reached the database's OFFSET and failed there with
#: a 500; now it is refused with 422 like any other bad field (invariant 7).
Offset = Annotated[int, Field(ge=0, le=DB_INT_MAX, description="Rows to skip")]


class StrictIn(Schema):
    """Base of every input schema: unknown fields are refused (invariant 7), text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SignIn(StrictIn):
    """An electronic signature's credentials (21 CFR 11.200(a)(1)): the password, the TOTP code
    when the session needs it, and a reason. Never a signature id (ES-04): a signature is made,
    not attached. Passwords are taken exactly as typed."""

    model_config = ConfigDict(str_strip_whitespace=False)

    password: str = Field(max_length=256)
    totp: str | None = Field(default=None, max_length=16, description="6-digit TOTP code")
    reason: str = Field(default="", max_length=2000)


class TransitionIn(StrictIn):
    reason: str = Field(default="", max_length=2000)


class SignatureOut(Schema):
    """The manifestation of a signature (11.50): printed name, UTC time, meaning; and whether
    it still covers the record's current content (11.70)."""

    id: int
    printed_name: str
    signer_username: str
    signed_at: dt.datetime
    meaning: str
    meaning_label: str
    reason: str
    method: str
    valid: bool


def signature_body(view: Any) -> dict[str, Any]:
    """A :class:`mederp.core.signatures.SignatureView` as :class:`SignatureOut` data."""
    sig = view.signature
    return {
        "id": sig.pk,
        "printed_name": sig.printed_name,
        "signer_username": sig.signer_username,
        "signed_at": sig.signed_at,
        "meaning": sig.meaning,
        "meaning_label": view.meaning_label,
        "reason": sig.reason,
        "method": sig.method,
        "valid": view.valid,
    }
