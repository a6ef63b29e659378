"""A JSON Schema (2020-12) inferred from real payloads, and personal data masked in examples.

The schema says what every example showed: a property is ``required`` when every example had
it; a value seen as several types is a ``type`` list (``["string", "null"]``); strings that were
always dates, times, UUIDs or decimals carry that ``format`` (``decimal`` is MedERP's: quantities
and money travel as decimal strings, invariant 8); a top-level property that is a known choice
(a model field's choices, a workflow's states and transitions) lists them all as its ``enum``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mederp.core.apicontract.shapes import json_type

_FORMATS = (
    ("date-time", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")),
    ("date", re.compile(r"^\d{4}-\d{2}-\d{2}$")),
    ("uuid", re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
)
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
# Keys whose numeric strings are decimals even when every example was whole ("500"), unlike
# ``record_id`` ("1"), which is an identifier.
_DECIMAL_KEYS = re.compile(r"(quantity|qty|price|amount|total|score|value|_c)$")
_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")

#: Payload keys that name or identify a person (PIPL, GDPR): masked in the examples.
PERSONAL_KEYS = frozenset(
    {
        "username",
        "user",
        "signer_username",
        "printed_name",
        "actor_name",
        "picked_by",
        "requested_by",
        "reviewed_by",
        "approved_by",
        "operator",
        "inspector_name",
        "owner_name",
        "document",
        "identity_document",
        "email",
        "phone",
        "mobile",
        "contact",
        "contact_person",
        "contact_name",
        "contact_phone",
        "reporter",
        "reporter_name",
        "patient",
        "patient_name",
        "client_ip",
        "ip",
    }
)
MASK = "***"


def infer(
    values: Iterable[Any], choices: Mapping[str, list[Any]] | None = None, key: str = ""
) -> dict[str, Any]:
    """The schema of ``values`` (examples of the value under ``key``); ``choices`` enumerate
    top-level keys."""
    by_type: dict[str, list[Any]] = {}
    for value in values:
        by_type.setdefault(json_type(value), []).append(value)
    if "integer" in by_type and "number" in by_type:
        by_type["number"] += by_type.pop("integer")
    kinds = [k for k in _ORDER if k in by_type]
    if not kinds:
        return {}
    shapes = {k: _shape(k, by_type[k], choices or {}, key) for k in kinds}
    plain = [k for k in kinds if k != "null"]
    if len(plain) <= 1 or all(shapes[k] == {"type": k} for k in plain):
        merged: dict[str, Any] = {}
        for k in kinds:
            merged.update({key: v for key, v in shapes[k].items() if key != "type"})
        merged = {"type": kinds[0] if len(kinds) == 1 else kinds, **merged}
        return merged
    return {"anyOf": [shapes[k] for k in kinds]}


def _shape(
    kind: str, values: list[Any], choices: Mapping[str, list[Any]], key: str
) -> dict[str, Any]:
    if kind == "object":
        keys: list[str] = []
        for value in values:
            keys.extend(k for k in value if k not in keys)
        properties = {}
        for name in keys:
            schema = infer((v[name] for v in values if name in v), key=name)
            known = choices.get(name)
            seen = {v[name] for v in values if isinstance(v.get(name), str)}
            if known and seen <= set(known):
                kinds = schema.get("type")
                nullable = isinstance(kinds, list) and "null" in kinds
                schema["enum"] = [*known, *([None] if nullable else [])]
            properties[name] = schema
        required = [k for k in keys if all(k in v for v in values)]
        return {"type": "object", "properties": properties, "required": required}
    if kind == "array":
        items = [item for value in values for item in value]
        return {"type": "array", "items": infer(items, key=key)} if items else {"type": "array"}
    if kind == "string":
        for name, pattern in _FORMATS:
            if all(pattern.match(v) for v in values):
                return {"type": "string", "format": name}
        if all(_DECIMAL.match(v) for v in values) and (
            any("." in v for v in values) or _DECIMAL_KEYS.search(key)
        ):
            return {"type": "string", "format": "decimal"}
    return {"type": kind}


def mask(value: Any) -> Any:
    """A copy of ``value`` with every string under a personal key replaced by ``***``."""
    if isinstance(value, dict):
        return {k: _all_strings(v) if k in PERSONAL_KEYS else mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def _all_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _all_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_all_strings(v) for v in value]
    return MASK if isinstance(value, str) and value else value


def richness(value: Any) -> int:
    """How much an example shows (keys and items counted deep): the richest one is printed."""
    if isinstance(value, dict):
        return len(value) + sum(richness(v) for v in value.values())
    if isinstance(value, list):
        return len(value) + sum(richness(v) for v in value)
    return 0
