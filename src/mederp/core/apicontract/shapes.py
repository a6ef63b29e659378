"""Pure helpers on JSON Schema fragments for :mod:`mederp.core.apicontract.schemas`: unions,
component names, types, enum values and how to print them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]
SCHEMA_REF = "#/components/schemas/"
_ANNOTATIONS = ("title", "description", "default", "examples", "example", "deprecated")


def alternatives(schema: Schema) -> list[Schema]:
    """The members of a union (``anyOf``/``oneOf``/``type: [..]``), flattened; else itself."""
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            out: list[Schema] = []
            for member in schema[key]:
                out.extend(alternatives(member))
            return out or [{}]
    kinds = schema.get("type")
    if isinstance(kinds, list) and len(kinds) > 1:
        return [{**schema, "type": kind} for kind in kinds]
    if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        return alternatives(schema["allOf"][0])
    return [schema]


def component(schema: Schema) -> str | None:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
        return ref[len(SCHEMA_REF) :].replace("~1", "/").replace("~0", "~")
    return None


def kind_of(schema: Schema) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list) and len(kind) == 1:
        kind = kind[0]
    if isinstance(kind, str):
        return kind
    values = enum_values(schema)
    if values:
        kinds = {json_type(v) for v in values}
        if len(kinds) == 1:
            return kinds.pop()
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


def enum_values(schema: Schema) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def bare(schema: Any) -> Any:
    """A schema without its annotations, to recognise the same field under a new name."""
    if isinstance(schema, Mapping):
        return {k: bare(v) for k, v in schema.items() if k not in _ANNOTATIONS}
    if isinstance(schema, list):
        return [bare(v) for v in schema]
    return schema


def child(subject: str, name: str) -> str:
    """```ProductIn``` + ``name`` -> ```ProductIn.name```; ``[]`` and ``[0]`` index."""
    sep = "" if name.startswith("[") else "."
    return f"{subject[:-1]}{sep}{name}`"
