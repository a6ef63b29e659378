"""Partners through the API (/api/v1/partners): same services, coded JSON errors, idempotent
creating POSTs (invariant 5), nothing written on refusal (invariant 7), deny by default (AC-03).

CN-01 / CN-03 first-time partner records and their qualification documents, CN-04 validity.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mederp.core import clock
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.partners import services
from mederp.partners.models import Partner, QualificationDocument

pytestmark = pytest.mark.django_db

URL = "/api/v1/partners"
SUZHOU_USCC = "91320505MA1N7Q4K5H"
OTHER_USCC = "91310115MA1K3YJ8XB"
BODY = {
    "code": "SUP-001",
    "name": "苏州示例医疗科技有限公司",
    "is_supplier": True,
    "uscc": SUZHOU_USCC,
}
DOC = {
    "kind": "distribution_licence",
    "number": "苏苏药监械经营许20200001号",
    "valid_from": "2022-01-01",
    "valid_until": "2027-12-31",
    "scope": ["07", "14-01"],
}
# Shanghai time 2026-11-25 12:00 (the business date the badges use).
NOON = dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC)


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def patch(client, url, body, **headers):
    return client.patch(url, data=json.dumps(body), content_type="application/json", **headers)


def assert_refused(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    return body


@pytest.fixture
def nothing_written(unchanged):
    def check():
        return unchanged(Partner, QualificationDocument)

    return check


def test_creating_a_partner_returns_it_with_no_near_duplicates(api):
    r = post(api, URL, {**BODY, "name_en": "Suzhou Example Co., Ltd.", "email": "qa@example.cn"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["code"] == "SUP-001" and body["status"] == "conditional"
    assert body["country"] == "CN" and body["version"] == 1
    assert body["near_duplicates"] == []
    p = Partner.objects.get(pk=body["id"])
    assert AuditEntry.objects.get(record_type="partners.partner", record_id=str(p.pk))
    assert OutboxEvent.objects.get(aggregate_id=str(p.pk)).event_type == "partners.partner.created"


def test_similar_names_are_flagged_not_refused(api):
    """首营: a second record for the same company is shown to the creator, with a score."""
    first = post(api, URL, BODY).json()
    second = post(
        api,
        URL,
        {
            "code": "SUP-002",
            "name": "苏州示例医疗科技 股份有限公司",
            "is_customer": True,
            "uscc": OTHER_USCC,
        },
    )
    assert second.status_code == 201
    assert second.json()["near_duplicates"] == [
        {"id": first["id"], "code": "SUP-001", "name": "苏州示例医疗科技有限公司", "score": 1.0}
    ]
    english = post(
        api,
        URL,
        {"code": "DE-1", "name": "Suzhou Example Co Ltd", "is_supplier": True, "country": "DE"},
    ).json()
    third = post(
        api,
        URL,
        {
            "code": "HK-1",
            "name": "ＳＵＺＨＯＵ example co., ltd.",
            "is_supplier": True,
            "country": "HK",
        },
    )
    assert [m["id"] for m in third.json()["near_duplicates"]] == [english["id"]]
    unrelated = post(
        api,
        URL,
        {
            "code": "SH-1",
            "name": "上海样本医疗器械有限公司",
            "is_supplier": True,
            "uscc": "12100000400000623A",
        },
    )
    assert unrelated.json()["near_duplicates"] == []


def test_idempotency_key_replays_first_response_and_refuses_other_body(api, nothing_written):
    first = post(api, URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    with nothing_written():
        again = post(api, URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
        other = post(api, URL, {**BODY, "code": "SUP-009"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert_refused(other, 409, "idempotency.key_reused")


def test_a_refused_create_does_not_burn_the_idempotency_key(api, nothing_written):
    with nothing_written():
        bad = post(api, URL, {**BODY, "uscc": "91320505MA1N7Q4K5J"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert_refused(bad, 422, "partners.uscc_invalid")
    good = post(api, URL, BODY, HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"uscc": "91320505MA1N7Q4K5J"}, 422, "partners.uscc_invalid", "uscc"),
        ({"uscc": "91320505MA1N7Q4K5"}, 422, "partners.uscc_invalid", "uscc"),
        ({"uscc": ""}, 422, "partners.uscc_required", "uscc"),
        ({"is_supplier": False}, 422, "partners.role_required", "is_supplier"),
        ({"country": "CHN"}, 422, "partners.country_invalid", "country"),
    ],
)
def test_bad_partner_facts_are_refused_next_to_their_field(
    api, nothing_written, change, status, code, field
):
    with nothing_written():
        r = post(api, URL, {**BODY, **change})
    assert assert_refused(r, status, code)["details"]["field"] == field


def test_duplicate_code_and_uscc_are_refused_with_409_naming_the_partner(api, nothing_written):
    existing = post(api, URL, BODY).json()
    with nothing_written():
        code = post(api, URL, {**BODY, "code": "sup-001", "uscc": OTHER_USCC})
        uscc = post(api, URL, {**BODY, "code": "SUP-002", "name": "别名公司"})
    assert assert_refused(code, 409, "partners.code_taken")["details"]["field"] == "code"
    details = assert_refused(uscc, 409, "partners.uscc_taken")["details"]
    assert details["partner_id"] == existing["id"] and details["partner_code"] == "SUP-001"
    assert "SUP-001" in uscc.json()["message"]


def test_unknown_fields_wrong_types_and_malformed_json_are_refused(api, nothing_written):
    with nothing_written():
        unknown = post(api, URL, {**BODY, "colour": "red"})
        types = post(api, URL, {**BODY, "code": 5, "is_supplier": "yes", "is_customer": 1})
        bad_status = post(api, URL, {**BODY, "status": "vip"})
        missing = post(api, URL, {"code": "X"})
        malformed = api.post(URL, data="{not json", content_type="application/json")
        not_object = post(api, URL, ["SUP-001"])
    assert "colour" in assert_refused(unknown, 422, "validation_failed")["details"]["fields"]
    fields = assert_refused(types, 422, "validation_failed")["details"]["fields"]
    assert {"code", "is_supplier", "is_customer"} <= set(fields)
    assert "status" in assert_refused(bad_status, 422, "validation_failed")["details"]["fields"]
    assert "name" in assert_refused(missing, 422, "validation_failed")["details"]["fields"]
    assert malformed.status_code in (400, 422) and "code" in malformed.json()
    assert not_object.status_code in (400, 422) and "code" in not_object.json()


def test_list_filters_by_text_role_and_status_with_paging(api):
    post(api, URL, BODY)
    post(
        api,
        URL,
        {
            "code": "CUS-001",
            "name": "苏州市第一人民医院",
            "is_customer": True,
            "uscc": OTHER_USCC,
            "status": "approved",
        },
    )
    post(
        api,
        URL,
        {
            "code": "CUS-002",
            "name": "Example Hospital",
            "is_customer": True,
            "is_supplier": True,
            "country": "US",
        },
    )
    everyone = api.get(URL).json()
    assert everyone["count"] == 3 and [p["code"] for p in everyone["items"]] == [
        "CUS-001",
        "CUS-002",
        "SUP-001",
    ]
    assert everyone["items"][0]["qualification"] == "missing"
    assert [p["code"] for p in api.get(URL, {"role": "supplier"}).json()["items"]] == [
        "CUS-002",
        "SUP-001",
    ]
    assert [p["code"] for p in api.get(URL, {"status": "approved"}).json()["items"]] == ["CUS-001"]
    assert [p["code"] for p in api.get(URL, {"q": "人民医院"}).json()["items"]] == ["CUS-001"]
    assert [p["code"] for p in api.get(URL, {"q": OTHER_USCC[-5:]}).json()["items"]] == ["CUS-001"]
    page = api.get(URL, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and [p["code"] for p in page["items"]] == ["CUS-002"]


@pytest.mark.parametrize(
    "query",
    [
        {"role": "vendor"},
        {"status": "x"},
        {"limit": 0},
        {"limit": 10_000},
        {"offset": -1},
        {"limit": "many"},
    ],
)
def test_bad_list_filters_are_refused(api, query):
    assert_refused(api.get(URL, query), 422, "validation_failed")


def test_detail_shows_documents_with_status_and_the_qualification_picture(api, system):
    """DEMO: a supplier with an expired licence; a customer whose licence ends next week."""
    supplier = post(api, URL, BODY).json()
    customer = post(
        api,
        URL,
        {
            "code": "CUS-001",
            "name": "苏州医疗器械经销有限公司",
            "is_customer": True,
            "uscc": OTHER_USCC,
        },
    ).json()
    with clock.frozen(NOON):
        services.add_document(system, supplier["id"], kind="business_licence", number=SUZHOU_USCC)
        services.add_document(
            system,
            supplier["id"],
            kind="distribution_licence",
            number="L-EXPIRED",
            valid_until=dt.date(2026, 10, 31),
        )
        services.add_document(
            system,
            customer["id"],
            kind="distribution_licence",
            number="L-NEXT-WEEK",
            valid_until=dt.date(2026, 12, 2),
            scope=["07"],
        )
        s = api.get(f"{URL}/{supplier['id']}").json()
        c = api.get(f"{URL}/{customer['id']}").json()
        listing = {p["code"]: p["qualification"] for p in api.get(URL).json()["items"]}
    assert s["qualification"]["overall"] == "expired"
    assert s["qualification"]["on_date"] == "2026-11-25"
    assert s["qualification"]["kinds"]["business_licence"] == "valid"
    assert s["qualification"]["kinds"]["distribution_licence"] == "expired"
    assert s["qualification"]["kinds"]["manufacturing_licence"] == "missing"
    assert {d["number"]: d["status"] for d in s["documents"]} == {
        SUZHOU_USCC: "valid",
        "L-EXPIRED": "expired",
    }
    assert c["qualification"]["overall"] == "expiring"
    assert c["documents"][0]["scope"] == ["07"] and c["documents"][0]["valid_until"] == "2026-12-02"
    assert listing == {"SUP-001": "expired", "CUS-001": "expiring"}


def test_unknown_ids_are_404_json_and_write_nothing(api, nothing_written):
    with nothing_written():
        responses = [
            api.get(f"{URL}/999999"),
            patch(api, f"{URL}/999999", {"reason": "x", "status": "blocked"}),
            post(api, f"{URL}/999999/documents", DOC, HTTP_IDEMPOTENCY_KEY="d-404"),
            api.get(f"{URL}/documents/999999"),
            patch(api, f"{URL}/documents/999999", {"reason": "x", "number": "N"}),
        ]
    for r in responses:
        assert_refused(r, 404, "not_found")


def test_patch_needs_a_reason_and_records_it(api, nothing_written):
    pid = post(api, URL, BODY).json()["id"]
    with nothing_written():
        no_reason = patch(api, f"{URL}/{pid}", {"status": "approved"})
        blank = patch(api, f"{URL}/{pid}", {"status": "approved", "reason": "  "})
    assert_refused(no_reason, 422, "validation_failed")
    assert_refused(blank, 422, "validation_failed")
    ok = patch(
        api, f"{URL}/{pid}", {"status": "approved", "reason": "首营审核通过", "expected_version": 1}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert ok.json()["version"] == 2
    entry = AuditEntry.objects.get(record_type="partners.partner", action="update")
    assert entry.reason == "首营审核通过"
    assert json.loads(entry.changes)["status"] == ["conditional", "approved"]


def test_patch_refusals_write_nothing(api, nothing_written):
    pid = post(api, URL, BODY).json()["id"]
    post(api, URL, {**BODY, "code": "SUP-002", "uscc": OTHER_USCC})
    cases = [
        ({"reason": "x", "expected_version": 5, "status": "blocked"}, 409, "stale_record"),
        ({"reason": "x", "code": "SUP-002"}, 409, "partners.code_taken"),
        ({"reason": "x", "uscc": OTHER_USCC}, 409, "partners.uscc_taken"),
        ({"reason": "x", "is_supplier": False}, 422, "partners.role_required"),
        ({"reason": "x", "uscc": "91320505MA1N7Q4K5A"}, 422, "partners.uscc_invalid"),
        ({"reason": "x", "name_key": "x"}, 422, "validation_failed"),
        ({"reason": "x", "code": None}, 422, "validation_failed"),
        ({"reason": "x", "is_supplier": "no"}, 422, "validation_failed"),
        ({"reason": "x", "email": "nope"}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        with nothing_written():
            assert_refused(patch(api, f"{URL}/{pid}", body), status, code)
    with nothing_written():
        malformed = api.patch(f"{URL}/{pid}", data="{", content_type="application/json")
    assert malformed.status_code in (400, 422)


def test_documents_are_added_idempotently(api, nothing_written):
    pid = post(api, URL, BODY).json()["id"]
    url = f"{URL}/{pid}/documents"
    first = post(
        api,
        url,
        {**DOC, "scope": ["07", "14-01", "07", " ６８１５ "], "file_sha256": "AB" * 32},
        HTTP_IDEMPOTENCY_KEY="d-1",
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["scope"] == ["07", "14-01", "6815"] and body["file_sha256"] == "ab" * 32
    assert body["partner_id"] == pid and body["valid_until"] == "2027-12-31"
    assert body["status"] in ("valid", "expiring", "expired")
    with nothing_written():
        again = post(
            api,
            url,
            {**DOC, "scope": ["07", "14-01", "07", " ６８１５ "], "file_sha256": "AB" * 32},
            HTTP_IDEMPOTENCY_KEY="d-1",
        )
        other = post(api, url, {**DOC, "number": "X"}, HTTP_IDEMPOTENCY_KEY="d-1")
    assert again.status_code == 201 and again.json() == body
    assert_refused(other, 409, "idempotency.key_reused")
    event = OutboxEvent.objects.get(event_type="partners.qualification_changed")
    assert event.aggregate_id == str(pid)
    assert api.get(f"{URL}/documents/{body['id']}").json()["number"] == DOC["number"]


def test_bad_documents_are_refused_and_write_nothing(api, nothing_written):
    pid = post(api, URL, BODY).json()["id"]
    url = f"{URL}/{pid}/documents"
    post(api, url, DOC)
    fresh = {**DOC, "number": "N-1"}
    cases = [
        (
            {**fresh, "valid_from": "2028-01-01"},
            422,
            "partners.document_dates_invalid",
            "valid_until",
        ),
        ({**fresh, "file_sha256": "abc"}, 422, "partners.file_sha256_invalid", "file_sha256"),
        ({**fresh, "file_sha256": "z" * 64}, 422, "partners.file_sha256_invalid", "file_sha256"),
        (DOC, 409, "partners.document_taken", "number"),
        (
            {**DOC, "number": "N-2", "valid_until": None},
            422,
            "partners.document_expiry_required",
            "valid_until",
        ),
        (
            {**DOC, "number": "N-3", "scope": ["07", "注射器"]},
            422,
            "partners.scope_invalid",
            "scope",
        ),
    ]
    for body, status, code, field in cases:
        with nothing_written():
            r = post(api, url, body)
        assert assert_refused(r, status, code)["details"]["field"] == field
    schema_cases = [
        {**DOC, "kind": "passport"},
        {**DOC, "valid_until": "31/12/2027"},
        {**DOC, "scope": "07"},
        {**DOC, "scope": [7]},
        {**DOC, "owner": "me"},
        {"kind": "other"},
    ]
    for body in schema_cases:
        with nothing_written():
            assert_refused(post(api, url, body), 422, "validation_failed")
    with nothing_written():
        malformed = api.post(url, data="[1,", content_type="application/json")
    assert malformed.status_code in (400, 422) and "code" in malformed.json()


def test_documents_are_changed_with_a_reason(api, nothing_written):
    pid = post(api, URL, BODY).json()["id"]
    doc = post(api, f"{URL}/{pid}/documents", DOC).json()
    url = f"{URL}/documents/{doc['id']}"
    with nothing_written():
        assert_refused(patch(api, url, {"valid_until": "2032-12-31"}), 422, "validation_failed")
        assert_refused(
            patch(api, url, {"reason": "x", "expected_version": 9, "number": "N"}),
            409,
            "stale_record",
        )
        assert_refused(
            patch(api, url, {"reason": "x", "valid_until": None}),
            422,
            "partners.document_expiry_required",
        )
        assert_refused(patch(api, url, {"reason": "x", "number": None}), 422, "validation_failed")
        assert_refused(patch(api, url, {"reason": "x", "partner_id": 1}), 422, "validation_failed")
    ok = patch(api, url, {"reason": "延续换证", "valid_until": "2032-12-31", "expected_version": 1})
    assert ok.status_code == 200 and ok.json()["valid_until"] == "2032-12-31"
    assert ok.json()["version"] == 2
    business = post(
        api,
        f"{URL}/{pid}/documents",
        {"kind": "business_licence", "number": SUZHOU_USCC, "valid_until": "2040-01-01"},
    ).json()
    cleared = patch(
        api,
        f"{URL}/documents/{business['id']}",
        {"reason": "营业期限改为长期", "valid_until": None},
    )
    assert cleared.status_code == 200 and cleared.json()["valid_until"] is None
    history = AuditEntry.objects.filter(
        record_type="partners.qualificationdocument", action="update"
    ).order_by("id")
    assert [e.reason for e in history] == ["延续换证", "营业期限改为长期"]


def test_a_user_without_partner_permissions_gets_403_everywhere(api, api_as, nothing_written):
    pid = post(api, URL, BODY).json()["id"]
    doc = post(api, f"{URL}/{pid}/documents", DOC).json()
    nobody = api_as()
    with nothing_written():
        responses = [
            nobody.get(URL),
            nobody.get(f"{URL}/{pid}"),
            nobody.get(f"{URL}/documents/{doc['id']}"),
            post(nobody, URL, {**BODY, "code": "X", "uscc": OTHER_USCC}),
            patch(nobody, f"{URL}/{pid}", {"reason": "x", "status": "blocked"}),
            post(nobody, f"{URL}/{pid}/documents", {**DOC, "number": "N"}),
            patch(nobody, f"{URL}/documents/{doc['id']}", {"reason": "x", "number": "N"}),
        ]
    for r in responses:
        assert_refused(r, 403, "permission_denied")


def test_a_read_only_role_can_read_but_not_write(api, api_as, nothing_written):
    pid = post(api, URL, BODY).json()["id"]
    auditor = api_as("auditor")
    assert auditor.get(URL).status_code == 200
    assert auditor.get(f"{URL}/{pid}").status_code == 200
    with nothing_written():
        assert_refused(
            post(auditor, URL, {**BODY, "code": "X", "uscc": OTHER_USCC}), 403, "permission_denied"
        )
        assert_refused(
            patch(auditor, f"{URL}/{pid}", {"reason": "x", "status": "blocked"}),
            403,
            "permission_denied",
        )
        assert_refused(post(auditor, f"{URL}/{pid}/documents", DOC), 403, "permission_denied")


def test_purchasing_may_create_partners_and_documents(api_as):
    buyer = api_as("purchasing")
    r = post(buyer, URL, BODY)
    assert r.status_code == 201
    assert post(buyer, f"{URL}/{r.json()['id']}/documents", DOC).status_code == 201


def test_anonymous_requests_are_401(client):
    assert_refused(client.get(URL), 401, "auth.unauthenticated")
