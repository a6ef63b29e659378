"""Schema names that two different classes claim in one API.

django-ninja builds ``components.schemas`` one model at a time and keys each definition by the
class name, so when ``sales...OrderOut`` and ``procurement...OrderOut`` both appear, the document
keeps one body under ``OrderOut`` and silently describes the other operations with it. The
snapshot is then wrong for them, and so is every client generated from it. This finds such names
by walking each operation's pydantic models (the classes, not the document, which has already
lost them).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ninja import NinjaAPI
from pydantic import TypeAdapter


def component_collisions(api: NinjaAPI) -> dict[str, list[str]]:
    """``{"OrderOut": ["mederp.procurement.api.orders.OrderOut", ...]}`` for every schema name
    shared by classes whose schemas differ (identical twins do no harm)."""
    classes: dict[str, dict[str, Any]] = defaultdict(dict)
    for model in _operation_models(api):
        for qualified, cls in _referenced_classes(model.__pydantic_core_schema__):
            classes[qualified.rsplit(".", 1)[-1]][qualified] = cls
    found: dict[str, list[str]] = {}
    for name, by_path in sorted(classes.items()):
        if len(by_path) > 1 and len({_schema_text(c) for c in by_path.values()}) > 1:
            found[name] = sorted(by_path)
    return found


def _operation_models(api: NinjaAPI) -> Iterator[Any]:
    # ninja keeps its routers in ``_routers``, which its own schema generator walks as well.
    for _prefix, router in getattr(api, "_routers", []):
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    if hasattr(model, "__pydantic_core_schema__"):
                        yield model


def _referenced_classes(schema: Any) -> Iterator[tuple[str, Any]]:
    """(``module.QualName``, class) of every model, dataclass or enum a core schema defines."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref, cls = node.get("ref"), _class_of(node)
            if isinstance(ref, str) and cls is not None and not cls.__module__.startswith("ninja"):
                yield ref.split(":", 1)[0], cls
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


def _class_of(node: dict[str, Any]) -> Any:
    while isinstance(node, dict):
        if isinstance(node.get("cls"), type):
            return node["cls"]
        node = node.get("schema")  # type: ignore[assignment]
    return None


def _schema_text(cls: Any) -> str:
    try:
        schema = TypeAdapter(cls).json_schema()
    except Exception:  # a class pydantic cannot describe alone: compare by name
        return f"{cls.__module__}.{cls.__qualname__}"
    schema.pop("title", None)
    schema.pop("description", None)
    return json.dumps(schema, sort_keys=True)
