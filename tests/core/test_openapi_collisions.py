"""Two different schemas under one component name are found (ninja would keep only one)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema

from mederp.core.apicontract.collisions import component_collisions


def _router_returning(schema: type[Schema]) -> Router:
    router = Router()

    @router.get("/thing", response=schema)
    def thing(request: HttpRequest) -> dict[str, str]:
        return {}

    return router


def _api(*schemas: type[Schema]) -> NinjaAPI:
    api = NinjaAPI(urls_namespace="collisions-test")
    for n, schema in enumerate(schemas):
        api.add_router(f"/r{n}", _router_returning(schema))
    return api


def _named(name: str, **fields: type) -> type[Schema]:
    return type(
        name, (Schema,), {"__annotations__": fields, "__module__": f"tests.{name}.m{len(fields)}"}
    )


def test_two_classes_with_one_name_and_different_shapes_collide():
    first = _named("ThingOut", id=int)
    second = _named("ThingOut", id=int, label=str)
    assert component_collisions(_api(first, second)) == {
        "ThingOut": ["tests.ThingOut.m1.ThingOut", "tests.ThingOut.m2.ThingOut"]
    }


def test_identical_twins_and_distinct_names_do_not_collide():
    twin = type("TwinOut", (Schema,), {"__annotations__": {"id": int}, "__module__": "tests.a"})
    other = type("TwinOut", (Schema,), {"__annotations__": {"id": int}, "__module__": "tests.b"})
    distinct = _named("OtherOut", id=int)
    assert component_collisions(_api(twin, other, distinct)) == {}
