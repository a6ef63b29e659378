"""Canonical, JSON-safe forms of field values: what the audit trail stores and hashes.

Decimals keep their scale as strings (``"12.500"``), dates and datetimes are ISO 8601 (UTC for
datetimes), foreign keys are their primary key. The same value always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any

from django.db import models


def to_json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def dumps(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept (Chinese stays readable)."""
    return json.dumps(
        to_json_value(value), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values in canonical form, keyed by attribute name."""
    result: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        key = f.attname if f.is_relation else f.name
        result[f.name] = to_json_value(getattr(instance, key))
    return result


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose canonical value differs."""
    before = before or {}
    after = after or {}
    changed: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = [old, new]
    return changed
