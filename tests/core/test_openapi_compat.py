"""The contract comparator catches every kind of breaking change and lets additions pass.

Synthetic documents, so the tests do not depend on the live API matching its snapshot.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from mederp.core.apicontract import snapshot
from mederp.core.apicontract.compat import compare
from mederp.core.apicontract.findings import ADDED, BREAKING, CHANGED, Finding

JSON = "application/json"


def _body(ref: str) -> dict[str, Any]:
    return {"content": {JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def base() -> dict[str, Any]:
    """Two operations sharing ``Thing``: POST /things (strict body) and GET /things/{thing_id}."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/api/v1/things": {
                "post": {
                    "operationId": "create_thing",
                    "parameters": [
                        {
                            "in": "query",
                            "name": "dry_run",
                            "required": False,
                            "schema": {"type": "boolean", "default": False},
                        },
                    ],
                    "requestBody": {"required": True, **_body("ThingIn")},
                    "responses": {"201": _body("Thing"), "422": _body("ErrorOut")},
                    "security": [{"BearerAuth": []}, {"SessionAuth": []}],
                },
            },
            "/api/v1/things/{thing_id}": {
                "get": {
                    "operationId": "get_thing",
                    "parameters": [
                        {
                            "in": "path",
                            "name": "thing_id",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                    ],
                    "responses": {"200": _body("Thing"), "404": _body("ErrorOut")},
                    "security": [{"BearerAuth": []}, {"SessionAuth": []}],
                },
            },
        },
        "components": {
            "securitySchemes": {
                "BearerAuth": {"type": "http", "scheme": "bearer"},
                "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
            "schemas": {
                "ThingIn": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "maxLength": 200},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "quantity": {"type": "number", "minimum": 0},
                        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["name", "kind"],
                },
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "state": {"type": "string", "enum": ["draft", "approved"]},
                        "owner": {"$ref": "#/components/schemas/Owner"},
                    },
                    "required": ["id", "name", "state", "owner"],
                },
                "Owner": {
                    "type": "object",
                    "properties": {"username": {"type": "string"}},
                    "required": ["username"],
                },
                "ErrorOut": {
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["code", "message"],
                },
            },
        },
    }


def changed(mutate: Any) -> list[Finding]:
    old = base()
    new = copy.deepcopy(old)
    mutate(new)
    return compare(old, new)


def only(findings: list[Finding], severity: str) -> list[Finding]:
    return [f for f in findings if f.severity == severity]


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def test_the_same_document_has_no_findings():
    assert compare(base(), base()) == []


def test_the_committed_snapshot_compared_with_itself_has_no_findings():
    document = json.loads(snapshot.snapshot_path("1").read_text(encoding="utf-8"))
    assert compare(document, copy.deepcopy(document)) == []


def test_a_removed_path_is_breaking():
    findings = changed(lambda d: d["paths"].pop("/api/v1/things/{thing_id}"))
    assert [f.location for f in only(findings, BREAKING)] == [
        "/paths/~1api~1v1~1things~1{thing_id}"
    ]


def test_a_removed_operation_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        d["paths"]["/api/v1/things"]["get"] = d["paths"]["/api/v1/things/{thing_id}"]["get"]
        d["paths"]["/api/v1/things"].pop("post")

    breaking = only(changed(mutate), BREAKING)
    assert [f.message for f in breaking] == ["POST /api/v1/things was removed"]


def test_a_removed_response_field_is_breaking_and_names_the_operations_using_it():
    breaking = only(changed(lambda d: schemas(d)["Thing"]["properties"].pop("state")), BREAKING)
    assert len(breaking) == 1
    assert breaking[0].location == "/components/schemas/Thing/properties/state"
    assert breaking[0].used_by == ("GET /api/v1/things/{thing_id}", "POST /api/v1/things")


def test_a_renamed_response_field_is_breaking_with_a_hint():
    def mutate(d: dict[str, Any]) -> None:
        props = schemas(d)["Thing"]["properties"]
        props["status"] = props.pop("state")
        schemas(d)["Thing"]["required"] = ["id", "name", "status", "owner"]

    findings = changed(mutate)
    assert "renamed to `status`?" in only(findings, BREAKING)[0].message
    assert [f.location for f in only(findings, ADDED)] == [
        "/components/schemas/Thing/properties/status"
    ]


def test_a_response_field_made_optional_is_breaking():
    breaking = only(changed(lambda d: schemas(d)["Thing"]["required"].remove("name")), BREAKING)
    assert "no longer always present" in breaking[0].message


def test_a_response_field_made_nullable_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["Thing"]["properties"]["name"] = {
            "anyOf": [{"type": "string"}, {"type": "null"}]
        }

    breaking = only(changed(mutate), BREAKING)
    assert "may now be null" in breaking[0].message


def test_a_removed_enum_value_in_a_request_is_breaking():
    breaking = only(
        changed(lambda d: schemas(d)["ThingIn"]["properties"]["kind"]["enum"].remove("b")),
        BREAKING,
    )
    assert breaking[0].location == "/components/schemas/ThingIn/properties/kind/enum"
    assert 'no longer accepts "b"' in breaking[0].message


def test_a_removed_enum_value_in_a_response_is_only_a_change():
    findings = changed(lambda d: schemas(d)["Thing"]["properties"]["state"]["enum"].remove("draft"))
    assert [f.severity for f in findings] == [CHANGED]


def test_a_new_enum_value_in_a_response_is_breaking():
    # A closed list in the contract: generated clients cannot deserialise a value they lack.
    breaking = only(
        changed(lambda d: schemas(d)["Thing"]["properties"]["state"]["enum"].append("retired")),
        BREAKING,
    )
    assert 'may now return "retired"' in breaking[0].message


def test_string_narrowed_to_integer_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["ThingIn"]["properties"]["name"] = {"type": "integer"}

    breaking = only(changed(mutate), BREAKING)
    assert "changed type from string to integer" in breaking[0].message


def test_number_narrowed_to_integer_in_a_request_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["ThingIn"]["properties"]["quantity"]["type"] = "integer"

    assert only(changed(mutate), BREAKING)


def test_integer_widened_to_number_in_a_request_is_not_breaking():
    def mutate(d: dict[str, Any]) -> None:
        d["paths"]["/api/v1/things/{thing_id}"]["get"]["parameters"][0]["schema"] = {
            "type": "number"
        }

    findings = changed(mutate)
    assert findings and not only(findings, BREAKING)


def test_a_lower_max_length_in_a_request_is_breaking():
    breaking = only(
        changed(lambda d: schemas(d)["ThingIn"]["properties"]["name"].update(maxLength=100)),
        BREAKING,
    )
    assert breaking[0].location == "/components/schemas/ThingIn/properties/name/maxLength"


def test_a_raised_minimum_in_a_request_is_breaking():
    breaking = only(
        changed(lambda d: schemas(d)["ThingIn"]["properties"]["quantity"].update(minimum=1)),
        BREAKING,
    )
    assert "minimum is 1 now (was 0)" in breaking[0].message


def test_a_new_pattern_in_a_request_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["ThingIn"]["properties"]["name"]["pattern"] = "^[A-Z]+$"

    assert only(changed(mutate), BREAKING)


def test_a_request_field_made_required_is_breaking():
    breaking = only(changed(lambda d: schemas(d)["ThingIn"]["required"].append("note")), BREAKING)
    assert "is required now" in breaking[0].message


def test_a_request_field_no_longer_nullable_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["ThingIn"]["properties"]["note"] = {"type": "string"}

    breaking = only(changed(mutate), BREAKING)
    assert "no longer nullable" in breaking[0].message


def test_a_new_required_request_field_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["ThingIn"]["properties"]["site"] = {"type": "string"}
        schemas(d)["ThingIn"]["required"].append("site")

    breaking = only(changed(mutate), BREAKING)
    assert "new required request field `ThingIn.site`" in breaking[0].message


def test_a_new_required_query_parameter_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        d["paths"]["/api/v1/things/{thing_id}"]["get"]["parameters"].append(
            {"in": "query", "name": "site", "required": True, "schema": {"type": "string"}}
        )

    breaking = only(changed(mutate), BREAKING)
    assert breaking[0].location.endswith("/get/parameters/query/site")


def test_a_query_parameter_made_required_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        d["paths"]["/api/v1/things"]["post"]["parameters"][0]["required"] = True

    assert only(changed(mutate), BREAKING)


def test_a_field_removed_from_a_strict_request_body_is_breaking():
    # StrictIn refuses unknown fields: clients that still send the field now get 422.
    breaking = only(changed(lambda d: schemas(d)["ThingIn"]["properties"].pop("tags")), BREAKING)
    assert "get 422" in breaking[0].message


def test_a_field_removed_from_a_lenient_request_body_is_only_a_change():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["ThingIn"].pop("additionalProperties")
        schemas(d)["ThingIn"]["properties"].pop("tags")

    findings = changed(mutate)
    assert findings and not only(findings, BREAKING)


def test_a_removed_status_code_is_breaking():
    breaking = only(
        changed(lambda d: d["paths"]["/api/v1/things"]["post"]["responses"].pop("201")), BREAKING
    )
    assert breaking[0].location == "/paths/~1api~1v1~1things/post/responses/201"


def test_a_removed_authentication_scheme_is_breaking():
    def mutate(d: dict[str, Any]) -> None:
        d["paths"]["/api/v1/things"]["post"]["security"] = [{"SessionAuth": []}]

    breaking = only(changed(mutate), BREAKING)
    assert "no longer accepts BearerAuth" in breaking[0].message


def test_a_change_deep_in_a_nested_component_is_found_through_its_refs():
    breaking = only(changed(lambda d: schemas(d)["Owner"]["properties"].pop("username")), BREAKING)
    assert breaking[0].location == "/components/schemas/Owner/properties/username"
    assert len(breaking[0].used_by) == 2


def test_a_renamed_component_with_the_same_shape_is_no_change():
    def mutate(d: dict[str, Any]) -> None:
        schemas(d)["ThingOut"] = schemas(d).pop("Thing")
        text = json.dumps(d).replace(
            '#/components/schemas/Thing"', '#/components/schemas/ThingOut"'
        )
        d.clear()
        d.update(json.loads(text))

    assert changed(mutate) == []


def test_a_path_parameter_renamed_in_place_is_no_change():
    def mutate(d: dict[str, Any]) -> None:
        item = d["paths"].pop("/api/v1/things/{thing_id}")
        item["get"]["parameters"][0]["name"] = "id"
        d["paths"]["/api/v1/things/{id}"] = item

    assert changed(mutate) == []


def test_a_recursive_schema_is_compared_without_looping():
    def recursive(d: dict[str, Any]) -> None:
        schemas(d)["Owner"]["properties"]["deputy"] = {"$ref": "#/components/schemas/Owner"}

    old = base()
    recursive(old)
    new = copy.deepcopy(old)
    schemas(new)["Owner"]["properties"].pop("username")
    assert len(only(compare(old, new), BREAKING)) == 1


def test_additions_are_not_breaking():
    def mutate(d: dict[str, Any]) -> None:
        d["paths"]["/api/v1/widgets"] = copy.deepcopy(d["paths"]["/api/v1/things"])
        d["paths"]["/api/v1/things"]["post"]["responses"]["429"] = _body("ErrorOut")
        schemas(d)["ThingIn"]["properties"]["colour"] = {"type": "string"}
        schemas(d)["ThingIn"]["properties"]["kind"]["enum"].append("c")
        schemas(d)["Thing"]["properties"]["colour"] = {"type": "string"}
        schemas(d)["Thing"]["required"].append("colour")
        d["paths"]["/api/v1/things/{thing_id}"]["get"]["parameters"].append(
            {"in": "query", "name": "expand", "required": False, "schema": {"type": "boolean"}}
        )

    findings = changed(mutate)
    assert len(findings) == 6
    assert {f.severity for f in findings} == {ADDED}


def test_deprecating_an_operation_is_a_change_not_a_break():
    findings = changed(
        lambda d: d["paths"]["/api/v1/things/{thing_id}"]["get"].update(deprecated=True)
    )
    assert [(f.severity, f.message) for f in findings] == [
        (CHANGED, "GET /api/v1/things/{thing_id} is deprecated")
    ]


def test_breaking_findings_come_first():
    def mutate(d: dict[str, Any]) -> None:
        d["paths"]["/api/v1/widgets"] = copy.deepcopy(d["paths"]["/api/v1/things"])
        schemas(d)["Thing"]["properties"].pop("name")

    severities = [f.severity for f in changed(mutate)]
    assert severities == sorted(severities, key=[BREAKING, CHANGED, ADDED].index)
    assert severities[0] == BREAKING
