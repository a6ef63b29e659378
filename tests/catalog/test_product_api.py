"""Products through /api/v1/catalog: idempotent creates (invariant 5), coded refusals that
write nothing (invariant 7), near-duplicate flags, filters and pagination, deny by default."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.catalog.conftest import TODAY, bad_check_digit, gtin, product_fields

from mederp.catalog.models import Product, Registration
from mederp.core.models import AuditEntry, IdempotencyRecord, OutboxEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/products"


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def body(seq=1, **overrides):
    data = product_fields(seq, **overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_returns_the_product_and_writes_record_audit_and_event(api, ea, today):
    r = post(api, URL, body(storage_min_c="2", storage_max_c=8))
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["code"] == "P-0001" and data["gtin"] == gtin(1) and data["uom"] == "EA"
    assert (data["storage_min_c"], data["storage_max_c"]) == ("2.0", "8.0")
    assert data["near_duplicates"] == [] and data["version"] == 1
    assert data["registration_status"] == {"CN": "missing"}
    assert AuditEntry.objects.filter(record_type="catalog.product", action="create").count() == 1
    assert OutboxEvent.objects.get(aggregate_type="catalog.product").aggregate_id == str(data["id"])


def test_similar_name_is_created_but_flagged_with_candidates(api, ea):
    first = post(api, URL, body(1, name_zh="一次性使用无菌注射器")).json()
    r = post(api, URL, body(2, name_zh="一次性使用无菌注射器 ", name_en="Disposable syringe"))
    assert r.status_code == 201
    [candidate] = r.json()["near_duplicates"]
    assert candidate["id"] == first["id"] and candidate["code"] == "P-0001"
    assert candidate["name"] == "一次性使用无菌注射器" and candidate["score"] == 1.0
    assert Product.objects.count() == 2


def test_same_idempotency_key_replays_and_another_body_is_refused(api, ea, unchanged):
    first = post(api, URL, body(), HTTP_IDEMPOTENCY_KEY="prod-1")
    with unchanged(Product):
        again = post(api, URL, body(), HTTP_IDEMPOTENCY_KEY="prod-1")
        other = post(api, URL, body(2), HTTP_IDEMPOTENCY_KEY="prod-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"


def test_refused_create_does_not_use_up_the_idempotency_key(api, ea, unchanged):
    with unchanged(Product):
        bad = post(api, URL, body(gtin=bad_check_digit(gtin(1))), HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 422 and not IdempotencyRecord.objects.exists()
    assert post(api, URL, body(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"gtin": bad_check_digit(gtin(1))}, 422, "catalog.gtin_invalid"),
        ({"gtin": gtin(1)[1:]}, 422, "catalog.gtin_invalid"),
        ({"gtin": gtin(1) + "5"}, 422, "catalog.gtin_invalid"),
        ({"gtin": ""}, 422, "catalog.gtin_invalid"),
        ({"shelf_life_days": -30}, 422, "catalog.shelf_life_negative"),
        ({"storage_min_c": "8", "storage_max_c": "2"}, 422, "catalog.temperature_range_invalid"),
        ({"uom": "KG"}, 422, "catalog.uom_unknown"),
        ({"colour": "red"}, 422, "validation_failed"),
        ({"shelf_life_days": "a year"}, 422, "validation_failed"),
        ({"storage_min_c": "cold"}, 422, "validation_failed"),
        ({"storage_min_c": "NaN"}, 422, "validation_failed"),
        ({"tracking": "batch"}, 422, "validation_failed"),
        ({"device_class": "IV"}, 422, "validation_failed"),
        ({"code": ""}, 422, "validation_failed"),
        ({"name_zh": ["注射器"]}, 422, "validation_failed"),
        ({"gtin": 6901234567892}, 422, "validation_failed"),
        ({"shelf_life_days": 10**12}, 422, "validation_failed"),
    ],
)
def test_bad_input_is_refused_with_a_coded_error_and_writes_nothing(
    api, ea, unchanged, overrides, status, code
):
    with unchanged(Product, Registration):
        r = post(api, URL, body(**overrides), HTTP_IDEMPOTENCY_KEY="bad")
    assert (r.status_code, r.json()["code"]) == (status, code), r.content
    assert r.json()["message"]


def test_gtin_error_names_the_field(api, ea):
    r = post(api, URL, body(gtin=bad_check_digit(gtin(1))))
    assert r.json()["details"]["field"] == "gtin"
    assert bad_check_digit(gtin(1)) in r.json()["message"]


def test_missing_required_fields_are_listed(api, ea, unchanged):
    with unchanged(Product):
        r = post(api, URL, {"code": "X"})
    assert r.status_code == 422
    assert {"name_zh", "gtin", "uom", "tracking"} <= set(r.json()["details"]["fields"])


def test_malformed_json_is_a_coded_error(api, ea, unchanged):
    with unchanged(Product):
        r = api.post(URL, data="{nope", content_type="application/json")
    assert r.status_code in (400, 422) and "code" in r.json()


def test_duplicate_gtin_and_duplicate_code_are_conflicts(api, ea, unchanged):
    post(api, URL, body(1))
    with unchanged(Product, Registration):
        same_gtin = post(api, URL, body(2, gtin=gtin(1)))
        same_code = post(api, URL, body(2, code="p-0001"))
    assert (same_gtin.status_code, same_gtin.json()["code"]) == (409, "catalog.gtin_taken")
    assert (same_code.status_code, same_code.json()["code"]) == (409, "catalog.product_code_taken")


# --- reading ---------------------------------------------------------------------------------


def test_list_searches_filters_and_paginates(api, make_product):
    make_product(1, code="SYR-5", name_zh="注射器", name_en="Syringe", tracking="lot")
    make_product(
        2,
        code="STENT",
        name_zh="冠状动脉支架",
        name_en="Coronary stent",
        tracking="serial",
        device_class="III",
    )
    make_product(3, code="MASK", name_zh="医用外科口罩", name_en="Surgical mask", tracking="lot")
    assert [p["code"] for p in api.get(URL).json()["items"]] == ["MASK", "STENT", "SYR-5"]
    assert [p["code"] for p in api.get(URL, {"q": "syr"}).json()["items"]] == ["SYR-5"]
    assert [p["code"] for p in api.get(URL, {"q": "支架"}).json()["items"]] == ["STENT"]
    assert [p["code"] for p in api.get(URL, {"q": gtin(3)}).json()["items"]] == ["MASK"]
    assert [p["code"] for p in api.get(URL, {"tracking": "serial"}).json()["items"]] == ["STENT"]
    assert [p["code"] for p in api.get(URL, {"device_class": "II"}).json()["items"]] == [
        "MASK",
        "SYR-5",
    ]
    page = api.get(URL, {"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [p["code"] for p in page["items"]] == ["STENT", "SYR-5"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 1000}, {"offset": -1}, {"tracking": "x"}, {"limit": "a"}]
)
def test_bad_list_parameters_are_refused(api, ea, params):
    r = api.get(URL, params)
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")


def test_detail_includes_certificates_and_status_per_jurisdiction(
    api, product, make_registration, today
):
    make_registration(
        product, jurisdiction="CN", number="苏械注准1", valid_until=TODAY + dt.timedelta(days=20)
    )
    make_registration(
        product, jurisdiction="EU", number="CE-1", valid_until=TODAY - dt.timedelta(days=30)
    )
    data = api.get(f"{URL}/{product.pk}").json()
    assert data["registration_status"] == {"CN": "expiring", "EU": "expired"}
    assert [(r["jurisdiction"], r["status"], r["days_left"]) for r in data["registrations"]] == [
        ("CN", "expiring", 20),
        ("EU", "expired", -30),
    ]


def test_unknown_product_is_404_json(api, ea):
    for r in (
        api.get(f"{URL}/999999"),
        patch(api, f"{URL}/999999", {"reason": "x", "code": "Y"}),
        api.get(f"{URL}/999999/history"),
    ):
        assert (r.status_code, r.json()["code"]) == (404, "not_found")


# --- changing --------------------------------------------------------------------------------


def test_patch_needs_a_reason_and_records_it(api, product, unchanged):
    with unchanged(Product):
        missing = patch(api, f"{URL}/{product.pk}", {"name_en": "Syringe"})
        blank = patch(api, f"{URL}/{product.pk}", {"name_en": "Syringe", "reason": ""})
    assert missing.status_code == blank.status_code == 422
    ok = patch(
        api,
        f"{URL}/{product.pk}",
        {"name_en": "Syringe", "reason": "shorter label", "expected_version": 1},
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    entry = AuditEntry.objects.get(record_type="catalog.product", action="update")
    assert json.loads(entry.changes)["name_en"][1] == "Syringe"
    assert entry.reason == "shorter label"


def test_patch_from_a_stale_version_is_a_conflict(api, product, unchanged):
    patch(api, f"{URL}/{product.pk}", {"name_en": "A", "reason": "r"})
    with unchanged(Product):
        r = patch(
            api, f"{URL}/{product.pk}", {"name_en": "B", "reason": "r", "expected_version": 1}
        )
    assert (r.status_code, r.json()["code"]) == (409, "stale_record")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"gtin": "12345678901234"}, 422, "catalog.gtin_invalid"),
        ({"shelf_life_days": -1}, 422, "catalog.shelf_life_negative"),
        ({"storage_min_c": 30, "storage_max_c": 2}, 422, "catalog.temperature_range_invalid"),
        ({"colour": "red"}, 422, "validation_failed"),
        ({"status": "deleted"}, 422, "validation_failed"),
        ({"name_zh": None}, 422, "validation_failed"),
    ],
)
def test_bad_patch_is_refused_and_writes_nothing(api, product, unchanged, change, status, code):
    with unchanged(Product):
        r = patch(api, f"{URL}/{product.pk}", {"reason": "test", **change})
    assert (r.status_code, r.json()["code"]) == (status, code), r.content
    product.refresh_from_db()
    assert product.version == 1


def test_patch_to_a_taken_gtin_is_a_conflict(api, make_product, unchanged):
    first, second = make_product(1), make_product(2)
    with unchanged(Product):
        r = patch(api, f"{URL}/{second.pk}", {"reason": "x", "gtin": first.gtin})
    assert (r.status_code, r.json()["code"]) == (409, "catalog.gtin_taken")


def test_history_endpoint_shows_who_when_what_why(api, product):
    patch(api, f"{URL}/{product.pk}", {"reason": "new spec", "specification": "10 ml"})
    [latest, created] = api.get(f"{URL}/{product.pk}/history").json()
    assert latest["action"] == "update" and latest["reason"] == "new spec"
    assert latest["changes"]["specification"] == ["5 ml", "10 ml"]
    assert "admin" in latest["actor_name"] and latest["occurred_at"]
    assert created["action"] == "create"


# --- deny by default -------------------------------------------------------------------------


def test_user_without_catalog_permissions_gets_403_everywhere(api_as, product, unchanged):
    client = api_as()
    with unchanged(Product):
        responses = [
            client.get(URL),
            client.get(f"{URL}/{product.pk}"),
            post(client, URL, body(2)),
            patch(client, f"{URL}/{product.pk}", {"reason": "x", "name_en": "y"}),
            client.get(f"{URL}/{product.pk}/history"),
        ]
    assert [r.status_code for r in responses] == [403] * 5
    assert responses[0].json()["code"] == "permission_denied"


def test_read_only_role_can_read_but_not_write(api_as, product, unchanged):
    client = api_as("qc_inspector")
    assert client.get(URL).status_code == 200
    with unchanged(Product):
        assert post(client, URL, body(2)).status_code == 403
        assert (
            patch(client, f"{URL}/{product.pk}", {"reason": "x", "name_en": "y"}).status_code == 403
        )


def test_qa_manager_may_create(api_as, ea):
    assert post(api_as("qa_manager"), URL, body()).status_code == 201


def test_anonymous_caller_is_401(client, ea):
    r = client.get(URL)
    assert (r.status_code, r.json()["code"]) == (401, "auth.unauthenticated")
