"""Warehouses and locations through the API (invariants 5, 7, 9; AT-04; AC-03; TR-09, CN-14).

Every bad request answers a JSON error with a stable code and leaves the records, the audit
trail, the outbox and the idempotency keys as they were.
"""

from __future__ import annotations

import pytest

from mederp.core.models import AuditEntry, OutboxEvent
from mederp.inventory.models import Location, Warehouse

pytestmark = pytest.mark.django_db

TABLES = (Warehouse, Location)
WAREHOUSES = "/api/v1/inventory/warehouses"
LOCATIONS = "/api/v1/inventory/locations"
WH_BODY = {"code": "sz01", "name_zh": "苏州仓", "name_en": "Suzhou warehouse", "address": "苏州"}
COLD_BODY = {
    "code": "cold",
    "name": "冷库",
    "name_en": "Cold room",
    "kind": "cold",
    "temp_min_c": "2",
    "temp_max_c": 8,
}


def locations_url(warehouse_id: int) -> str:
    return f"{WAREHOUSES}/{warehouse_id}/locations"


# Warehouses


def test_creating_a_warehouse_writes_record_audit_and_event(api, send):
    r = send(api, "post", WAREHOUSES, WH_BODY)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["code"] == "SZ01" and body["version"] == 1 and body["is_active"] is True
    assert (
        AuditEntry.objects.get(record_type="inventory.warehouse", record_id=str(body["id"])).action
        == "create"
    )
    assert OutboxEvent.objects.get(event_type="inventory.warehouse.created").aggregate_id == str(
        body["id"]
    )


def test_listing_warehouses(api, send, warehouse):
    send(api, "post", WAREHOUSES, {"code": "WH2", "name_zh": "二号仓"})
    r = api.get(WAREHOUSES)
    assert r.status_code == 200
    assert [w["code"] for w in r.json()] == ["SZ01", "WH2"]


def test_a_warehouse_detail_lists_its_locations(api, warehouse, cold_room, quarantine):
    r = api.get(f"{WAREHOUSES}/{warehouse.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "SZ01" and body["address"].startswith("江苏省")
    assert [(loc["code"], loc["kind"]) for loc in body["locations"]] == [
        ("COLD", "cold"),
        ("QUA", "quarantine"),
    ]
    assert body["locations"][0]["temp_min_c"] == "2.0"


def test_a_change_needs_a_reason_and_then_bumps_the_version(api, send, warehouse, unchanged):
    url = f"{WAREHOUSES}/{warehouse.pk}"
    with unchanged(*TABLES):
        bad = send(api, "patch", url, {"name_en": "Suzhou DC"})
        blank = send(api, "patch", url, {"name_en": "Suzhou DC", "reason": "   "})
    assert bad.status_code == blank.status_code == 422
    assert "reason" in bad.json()["details"]["fields"]
    ok = send(
        api, "patch", url, {"name_en": "Suzhou DC", "reason": "renamed", "expected_version": 1}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert AuditEntry.objects.filter(action="update").get().reason == "renamed"


def test_deactivating_a_warehouse_through_the_api(api, send, warehouse):
    r = send(
        api, "patch", f"{WAREHOUSES}/{warehouse.pk}", {"is_active": False, "reason": "site closed"}
    )
    assert r.status_code == 200 and r.json()["is_active"] is False


def test_a_duplicate_warehouse_code_is_409_and_writes_nothing(api, send, warehouse, unchanged):
    with unchanged(*TABLES):
        r = send(api, "post", WAREHOUSES, {"code": "SZ01", "name_zh": "另一个"})
    assert r.status_code == 409 and r.json()["code"] == "inventory.warehouse_code_taken"
    assert "SZ01" in r.json()["message"]


def test_a_stale_warehouse_change_is_409(api, send, warehouse, unchanged):
    send(api, "patch", f"{WAREHOUSES}/{warehouse.pk}", {"name_en": "A", "reason": "one"})
    with unchanged(*TABLES):
        r = send(
            api,
            "patch",
            f"{WAREHOUSES}/{warehouse.pk}",
            {"name_en": "B", "reason": "two", "expected_version": 1},
        )
    assert r.status_code == 409 and r.json()["code"] == "stale_record"


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({**WH_BODY, "colour": "red"}, 422, "colour"),
        ({**WH_BODY, "code": 5}, 422, "code"),
        ({**WH_BODY, "name_zh": []}, 422, "name_zh"),
        ({**WH_BODY, "code": ""}, 422, "code"),
        ({**WH_BODY, "code": "S Z"}, 422, "code"),
        ({"code": "SZ01"}, 422, "name_zh"),
        ("{not json", 400, None),
        ("[1, 2]", 422, None),
    ],
)
def test_bad_warehouse_bodies_are_refused_and_write_nothing(
    api, send, unchanged, body, status, field
):
    with unchanged(*TABLES):
        r = send(api, "post", WAREHOUSES, body)
    assert r.status_code == status, r.content
    assert set(r.json()) == {"code", "message", "details"}
    if field:
        assert field in r.json()["details"]["fields"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"reason": "x", "colour": "red"}, "colour"),
        ({"reason": "x", "version": 5}, "version"),
        ({"reason": "x", "code": None}, "code"),
        ({"reason": "x", "name_zh": None}, "name_zh"),
        ({"reason": "x", "is_active": "maybe"}, "is_active"),
        ({"reason": "x", "is_active": None}, "is_active"),
        ({"reason": "x", "expected_version": "one"}, "expected_version"),
    ],
)
def test_bad_warehouse_patches_are_refused_and_write_nothing(
    api, send, warehouse, unchanged, body, field
):
    with unchanged(*TABLES):
        r = send(api, "patch", f"{WAREHOUSES}/{warehouse.pk}", body)
    assert r.status_code == 422, r.content
    assert field in r.json()["details"]["fields"]


def test_unknown_warehouse_ids_are_404_json(api, send, unchanged):
    with unchanged(*TABLES):
        get = api.get(f"{WAREHOUSES}/999999")
        patch = send(api, "patch", f"{WAREHOUSES}/999999", {"name_en": "A", "reason": "x"})
        post = send(api, "post", locations_url(999999), COLD_BODY)
    assert [r.status_code for r in (get, patch, post)] == [404, 404, 404]
    assert {r.json()["code"] for r in (get, patch, post)} == {"not_found"}


# Locations


def test_creating_a_location_writes_record_audit_and_event(api, send, warehouse):
    r = send(api, "post", locations_url(warehouse.pk), COLD_BODY)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body == {
        "id": body["id"],
        "warehouse_id": warehouse.pk,
        "code": "COLD",
        "name": "冷库",
        "name_en": "Cold room",
        "kind": "cold",
        "kind_name_zh": "冷库",
        "kind_name_en": "Cold storage",
        "is_virtual": False,
        "temp_min_c": "2.0",
        "temp_max_c": "8.0",
        "is_active": True,
        "version": 1,
    }
    assert api.get(f"{LOCATIONS}/{body['id']}").json() == body
    assert AuditEntry.objects.filter(record_type="inventory.location").count() == 1
    event = OutboxEvent.objects.get(event_type="inventory.location.created")
    assert event.aggregate_id == str(warehouse.pk)


@pytest.mark.parametrize(
    "kind,virtual", [("supplier", True), ("customer", True), ("storage", False), ("scrap", False)]
)
def test_partner_locations_are_virtual(api, send, warehouse, kind, virtual):
    r = send(api, "post", locations_url(warehouse.pk), {"code": kind, "name": kind, "kind": kind})
    assert r.status_code == 201 and r.json()["is_virtual"] is virtual


@pytest.mark.parametrize(
    "body,status,code,field",
    [
        (
            {**COLD_BODY, "temp_min_c": None},
            422,
            "inventory.cold_location_needs_range",
            "temp_min_c",
        ),
        (
            {"code": "C", "name": "冷库", "kind": "cold"},
            422,
            "inventory.cold_location_needs_range",
            "temp_min_c",
        ),
        ({**COLD_BODY, "temp_min_c": 9}, 422, "inventory.temperature_range_invalid", "temp_min_c"),
        (
            {**COLD_BODY, "kind": "storage", "temp_min_c": "30", "temp_max_c": "25"},
            422,
            "inventory.temperature_range_invalid",
            "temp_min_c",
        ),
        ({**COLD_BODY, "kind": "freezer"}, 422, "validation_failed", "kind"),
        ({**COLD_BODY, "kind": None}, 422, "validation_failed", "kind"),
        ({**COLD_BODY, "colour": "red"}, 422, "validation_failed", "colour"),
        ({**COLD_BODY, "warehouse_id": 1}, 422, "validation_failed", "warehouse_id"),
        ({**COLD_BODY, "temp_min_c": "warm"}, 422, "validation_failed", "temp_min_c"),
        ({**COLD_BODY, "temp_min_c": "NaN"}, 422, "validation_failed", "temp_min_c"),
        ({**COLD_BODY, "temp_min_c": True}, 422, "validation_failed", "temp_min_c"),
        ({**COLD_BODY, "temp_min_c": 2.25}, 422, "validation_failed", "temp_min_c"),
        ({**COLD_BODY, "temp_min_c": -300}, 422, "validation_failed", "temp_min_c"),
        ({**COLD_BODY, "temp_max_c": 123456}, 422, "validation_failed", "temp_max_c"),
        ({**COLD_BODY, "code": 7}, 422, "validation_failed", "code"),
        ({**COLD_BODY, "code": "A 1"}, 422, "validation_failed", "code"),
        ({**COLD_BODY, "name": ""}, 422, "validation_failed", "name"),
        ({"code": "C", "kind": "storage"}, 422, "validation_failed", "name"),
        ("{not json", 400, "request.malformed", None),
        ('"cold"', 422, "validation_failed", None),
    ],
)
def test_bad_location_bodies_are_refused_and_write_nothing(
    api, send, warehouse, unchanged, body, status, code, field
):
    with unchanged(*TABLES):
        r = send(api, "post", locations_url(warehouse.pk), body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.content
    if field:
        details = r.json()["details"]
        assert field in details.get("fields", {}) or details.get("field") == field


def test_a_duplicate_location_code_is_409_and_writes_nothing(
    api, send, warehouse, cold_room, unchanged
):
    with unchanged(*TABLES):
        r = send(api, "post", locations_url(warehouse.pk), {**COLD_BODY, "code": "cold"})
    assert r.status_code == 409 and r.json()["code"] == "inventory.location_code_taken"


def test_an_inactive_warehouse_refuses_new_locations_with_409(api, send, warehouse, unchanged):
    send(api, "patch", f"{WAREHOUSES}/{warehouse.pk}", {"is_active": False, "reason": "closed"})
    with unchanged(*TABLES):
        r = send(api, "post", locations_url(warehouse.pk), COLD_BODY)
    assert r.status_code == 409 and r.json()["code"] == "inventory.warehouse_inactive"


def test_listing_locations_filters_by_warehouse_and_kind(
    api, send, admin, warehouse, cold_room, quarantine
):
    from mederp.inventory import services

    other = services.create_warehouse(admin, code="WH2", name_zh="二号仓")
    services.create_location(admin, other.pk, code="QUA", name="待验区", kind="quarantine")

    def codes(query: str) -> list[tuple[int, str]]:
        r = api.get(f"{LOCATIONS}{query}")
        assert r.status_code == 200, r.content
        return [(loc["warehouse_id"], loc["code"]) for loc in r.json()]

    assert codes("") == [(warehouse.pk, "COLD"), (warehouse.pk, "QUA"), (other.pk, "QUA")]
    assert codes(f"?warehouse={warehouse.pk}") == [(warehouse.pk, "COLD"), (warehouse.pk, "QUA")]
    assert codes("?kind=quarantine") == [(warehouse.pk, "QUA"), (other.pk, "QUA")]
    assert codes(f"?warehouse={other.pk}&kind=cold") == []
    assert codes("?warehouse=999999") == []


@pytest.mark.parametrize(
    "query,field", [("?kind=freezer", "kind"), ("?warehouse=abc", "warehouse")]
)
def test_bad_location_filters_are_422(api, query, field):
    r = api.get(f"{LOCATIONS}{query}")
    assert r.status_code == 422 and field in r.json()["details"]["fields"]


def test_changing_a_location_needs_a_reason(api, send, cold_room, unchanged):
    url = f"{LOCATIONS}/{cold_room.pk}"
    with unchanged(*TABLES):
        bad = send(api, "patch", url, {"temp_max_c": "6"})
    assert bad.status_code == 422 and "reason" in bad.json()["details"]["fields"]
    ok = send(
        api, "patch", url, {"temp_max_c": "6", "reason": "recalibrated", "expected_version": 1}
    )
    assert ok.status_code == 200, ok.content
    assert (ok.json()["temp_max_c"], ok.json()["version"]) == ("6.0", 2)
    assert OutboxEvent.objects.get(event_type="inventory.location.changed").aggregate_id == str(
        cold_room.warehouse_id
    )


def test_deactivating_a_location_through_the_api(api, send, quarantine):
    r = send(
        api, "patch", f"{LOCATIONS}/{quarantine.pk}", {"is_active": False, "reason": "zone merged"}
    )
    assert r.status_code == 200 and r.json()["is_active"] is False


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"reason": "x", "temp_min_c": "9"}, 422, "inventory.temperature_range_invalid"),
        ({"reason": "x", "temp_max_c": None}, 422, "inventory.cold_location_needs_range"),
        ({"reason": "x", "code": "QUA"}, 409, "inventory.location_code_taken"),
        ({"reason": "x", "kind": "freezer"}, 422, "validation_failed"),
        ({"reason": "x", "kind": None}, 422, "validation_failed"),
        ({"reason": "x", "code": None}, 422, "validation_failed"),
        ({"reason": "x", "name_en": None}, 422, "validation_failed"),
        ({"reason": "x", "warehouse_id": 2}, 422, "validation_failed"),
        ({"reason": "x", "temp_min_c": "cold"}, 422, "validation_failed"),
        ({"reason": "x", "name_en": "A", "expected_version": 7}, 409, "stale_record"),
        ("{not json", 400, "request.malformed"),
    ],
)
def test_bad_location_patches_are_refused_and_write_nothing(
    api, send, cold_room, quarantine, unchanged, body, status, code
):
    with unchanged(*TABLES):
        r = send(api, "patch", f"{LOCATIONS}/{cold_room.pk}", body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.content


def test_unknown_location_ids_are_404_json(api, send, unchanged):
    with unchanged(*TABLES):
        get = api.get(f"{LOCATIONS}/999999")
        patch = send(api, "patch", f"{LOCATIONS}/999999", {"name_en": "A", "reason": "x"})
    assert (get.status_code, patch.status_code) == (404, 404)
    assert get.json()["code"] == patch.json()["code"] == "not_found"


# Idempotency (invariant 5)


@pytest.mark.parametrize("which", ["warehouse", "location"])
def test_idempotency_key_replays_first_response_and_refuses_other_body(
    api, send, warehouse, unchanged, which
):
    url, body, other = (
        (WAREHOUSES, {"code": "WH2", "name_zh": "二号仓"}, {"code": "WH3", "name_zh": "三号仓"})
        if which == "warehouse"
        else (locations_url(warehouse.pk), COLD_BODY, {**COLD_BODY, "code": "COLD2"})
    )
    first = send(api, "post", url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    with unchanged(*TABLES):
        again = send(api, "post", url, body, HTTP_IDEMPOTENCY_KEY="k-1")
        reused = send(api, "post", url, other, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused"


def test_a_refused_create_does_not_use_up_its_idempotency_key(api, send, warehouse, unchanged):
    url = locations_url(warehouse.pk)
    with unchanged(*TABLES):
        refused = send(
            api, "post", url, {**COLD_BODY, "temp_max_c": None}, HTTP_IDEMPOTENCY_KEY="k-2"
        )
    assert refused.status_code == 422
    fixed = send(api, "post", url, COLD_BODY, HTTP_IDEMPOTENCY_KEY="k-2")
    assert fixed.status_code == 201


def test_the_same_key_on_another_warehouse_is_another_request(
    api, send, admin, warehouse, unchanged
):
    from mederp.inventory import services

    other = services.create_warehouse(admin, code="WH2", name_zh="二号仓")
    send(api, "post", locations_url(warehouse.pk), COLD_BODY, HTTP_IDEMPOTENCY_KEY="k-3")
    with unchanged(*TABLES):
        r = send(api, "post", locations_url(other.pk), COLD_BODY, HTTP_IDEMPOTENCY_KEY="k-3")
    assert r.status_code == 409 and r.json()["code"] == "idempotency.key_reused"


# Authorization (invariant 9; AC-03, AT-10)


def test_production_may_read_but_not_write(api_as, send, warehouse, cold_room, unchanged):
    prod = api_as("production")
    for url in (
        WAREHOUSES,
        f"{WAREHOUSES}/{warehouse.pk}",
        LOCATIONS,
        f"{LOCATIONS}/{cold_room.pk}",
    ):
        assert prod.get(url).status_code == 200, url
    with unchanged(*TABLES):
        writes = [
            send(prod, "post", WAREHOUSES, {"code": "WH9", "name_zh": "仓"}),
            send(prod, "patch", f"{WAREHOUSES}/{warehouse.pk}", {"name_en": "A", "reason": "x"}),
            send(prod, "post", locations_url(warehouse.pk), {**COLD_BODY, "code": "C2"}),
            send(prod, "patch", f"{LOCATIONS}/{cold_room.pk}", {"name_en": "A", "reason": "x"}),
        ]
    assert [r.status_code for r in writes] == [403] * 4
    assert {r.json()["code"] for r in writes} == {"permission_denied"}


def test_the_warehouse_role_may_create_and_change(api_as, send):
    wh = api_as("warehouse")
    w = send(wh, "post", WAREHOUSES, {"code": "WH9", "name_zh": "仓"})
    assert w.status_code == 201
    loc = send(
        wh, "post", locations_url(w.json()["id"]), {"code": "A", "name": "区", "kind": "storage"}
    )
    assert loc.status_code == 201
    r = send(wh, "patch", f"{LOCATIONS}/{loc.json()['id']}", {"name_en": "A", "reason": "named"})
    assert r.status_code == 200


def test_a_user_without_roles_is_refused_and_anonymous_is_401(api_as, client, warehouse):
    assert api_as().get(WAREHOUSES).status_code == 403
    r = client.get(LOCATIONS)
    assert r.status_code == 401 and r.json()["code"] == "auth.unauthenticated"
