"""The traceability reports through their three doors (invariant 1): ``mederp trace``, the API
under /api/v1/compliance/trace and the page /compliance/trace/ with its SVG genealogy
(TR-01, TR-02, RC-04). Each guarded by the permission of the records it discloses."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from tests.compliance.trace_support import production_clock, production_plant, trace_plant

__all__ = ["production_clock", "production_plant", "trace_plant"]

FORWARD = "/api/v1/compliance/trace/forward"
BACKWARD = "/api/v1/compliance/trace/backward"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with translation.override("en"):
        try:
            call_command("trace", *args, stdout=out, stderr=err)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


# --- the command line ---------------------------------------------------------------------------


def test_cli_forward_prints_the_tree_and_the_tables(trace_plant):
    wo1, wo2 = trace_plant.work_orders

    code, out, _err = run("forward", "P-L1")

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Forward trace of P-L1"
    assert "CMP-LOT lot P-L1 [Released]" in out
    assert f"└─ {wo1.number} ×20 → SUB-001 lot SUB-01 [Released]" in out
    assert f"└─ {wo2.number} ×5 → KIT-001 lot KIT-01 [Released]" in out
    assert "shipped 3 to CUS-1 上海示例医院1" in out
    for heading in ("Consignees", "Distribution records", "Stock on hand"):
        assert heading in lines
    assert "Shipped 4 to 2 consignees; 87 on hand." in out


def test_cli_backward_names_the_supplier_and_the_receipt(trace_plant):
    code, out, _err = run("backward", "KIT-01")

    assert code == 0
    assert f"received 100 from SUP-1 {trace_plant.supplier.name}" in out
    assert trace_plant.receipt.number in out
    assert "Suppliers" in out.splitlines()


def test_cli_json_is_exactly_one_object(trace_plant):
    code, out, _err = run("forward", "P-L1", "--json")

    body = json.loads(out)
    assert code == 0
    assert body["direction"] == "forward"
    assert body["totals"]["consignees"] == 2
    assert [c["customer_code"] for c in body["consignees"]] == ["CUS-1", "CUS-2"]


def test_cli_unknown_lot_exits_1_with_the_message(trace_plant):
    code, out, err = run("forward", "NOPE")

    assert code == 1
    assert out == ""
    assert err.strip() == "compliance.unknown_lot: No lot or serial NOPE is known."


def test_cli_json_error_is_one_object_too(trace_plant):
    code, out, _err = run("backward", "NOPE", "--product", "KIT-001", "--json")

    assert code == 1
    assert json.loads(out)["error"]["code"] == "compliance.unknown_lot"


# --- the API ------------------------------------------------------------------------------------


def test_api_forward_answers_the_report(trace_plant, api):
    r = api.get(FORWARD, {"lot": "P-L1"})

    assert r.status_code == 200, r.content
    body = r.json()
    assert [i["lot_number"] for i in body["items"]] == ["P-L1", "SUB-01", "KIT-01"]
    assert body["records"][0]["customer_code"] == "CUS-1"
    assert body["records"][0]["quantity"] == "3"
    assert body["totals"]["on_hand"] == "87"


def test_api_backward_answers_the_suppliers(trace_plant, api):
    r = api.get(BACKWARD, {"lot": "KIT-01", "product": "KIT-001"})

    assert r.status_code == 200, r.content
    assert [s["code"] for s in r.json()["suppliers"]] == ["SUP-1"]
    assert r.json()["receipts"][0]["receipt_number"] == trace_plant.receipt.number


def test_api_unknown_lot_is_a_coded_404(trace_plant, api):
    r = api.get(FORWARD, {"lot": "NOPE"})

    assert r.status_code == 404
    assert r.json()["code"] == "compliance.unknown_lot"


def test_api_refuses_a_missing_lot(trace_plant, api):
    assert api.get(FORWARD).status_code == 422


@pytest.mark.parametrize(
    "role,forward,backward",
    [("sales", 200, 403), ("qc_inspector", 403, 200), ("production", 403, 403)],
)
def test_api_each_direction_needs_the_records_it_discloses(
    trace_plant, api_as, role, forward, backward
):
    client = api_as(role)

    assert client.get(FORWARD, {"lot": "P-L1"}).status_code == forward
    assert client.get(BACKWARD, {"lot": "P-L1"}).status_code == backward


# --- the page -----------------------------------------------------------------------------------


def page(client: Client, **query: str):
    return client.get(reverse("compliance:trace"), query)


def test_page_forward_draws_the_genealogy_and_the_consignees(trace_plant, api):
    r = page(api, lot="P-L1", direction="forward")

    html = r.content.decode()
    assert r.status_code == 200
    svg = html[html.index("<svg") : html.index("</svg>")]
    for label in ("CMP-LOT", "lot P-L1", "SUB-001", "KIT-001", "CUS-1", "CUS-2", "3 shipped"):
        assert label in svg
    assert trace_plant.work_orders[0].number in svg
    assert reverse("inventory:lot_detail", args=[trace_plant.component.pk]) in html
    assert reverse("sales:record_detail", args=[trace_plant.records[0].pk]) in html


def test_page_backward_lists_the_receipt(trace_plant, api):
    r = page(api, lot="KIT-01", direction="backward")

    html = r.content.decode()
    assert r.status_code == 200
    assert "<svg" in html
    assert reverse("procurement:receipt_detail", args=[trace_plant.receipt.pk]) in html
    assert "SUP-1" in html


def test_page_shows_an_unknown_lot_on_the_form(trace_plant, api):
    r = page(api, lot="NOPE", direction="forward")

    assert r.status_code == 200
    assert "No lot or serial NOPE is known." in r.content.decode()
    assert "<svg" not in r.content.decode()


def test_page_offers_only_the_directions_the_user_may_run(trace_plant, api_as):
    client = api_as("qc_inspector")

    html = page(client).content.decode()
    assert 'value="backward"' in html and 'value="forward"' not in html
    assert page(client, lot="P-L1", direction="forward").status_code == 200  # refused choice
    assert "<svg" not in page(client, lot="P-L1", direction="forward").content.decode()


def test_page_is_refused_without_either_permission(trace_plant, api_as):
    assert page(api_as("production")).status_code == 403
