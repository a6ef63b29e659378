"""The device history record (21 CFR 820.184; ISO 13485 §7.5.1, §7.5.8; TR-01, ES-02): built
through the real services (procurement receipts from a qualified supplier, QA releases by
signature, a work order issued, checked, scrapped, reported, released and closed), read back as
the record, the JSON, the page and the PDF.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.core.test_pdf import shown_text, squeeze
from tests.production import conftest as production_fixtures
from tests.production.conftest import TODAY, ProductionPlant, person, sign

from mederp.catalog import services as catalog
from mederp.catalog.models import Product
from mederp.compliance import dhr as dhr_module
from mederp.compliance import dhr_print
from mederp.compliance.dhr import device_history_record, udi_text
from mederp.core import pdf
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory import services as inventory
from mederp.inventory.models import Lot, Serial
from mederp.partners import services as partners
from mederp.procurement import services as procurement
from mederp.production import services as production
from mederp.production.models import WorkOrder

production_plant = production_fixtures.production_plant
production_clock = production_fixtures.production_clock

SUPPLIER = "苏州示例元器件有限公司"
SERIALS = [f"SN-{i:03d}" for i in range(1, 6)]


def _supplier(plant: ProductionPlant) -> Any:
    system = plant.system
    supplier = partners.create_partner(
        system,
        code="SUP-DHR",
        name=SUPPLIER,
        is_supplier=True,
        is_customer=False,
        uscc="91320505MA1N7Q4K5H",
        address="苏州市虎丘区示例路1号",
        contact="王工",
        phone="0512-0000000",
    )
    partners.add_document(
        system,
        supplier.pk,
        kind="distribution_licence",
        number="苏苏药监械经营许20200001号",
        valid_from=dt.date(2022, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        scope=["14", "07"],
    )
    partners.add_document(system, supplier.pk, kind="business_licence", number="BL-1", scope=[])
    partners.submit_partner(system, supplier.pk)
    partners.approve_partner(Actor.for_user(plant.qa), supplier.pk, **sign(plant.qa))
    return supplier


def _approve(plant: ProductionPlant, product: Product) -> None:
    catalog.submit_product(plant.system, product.pk)
    catalog.approve_product(Actor.for_user(plant.qa), product.pk, **sign(plant.qa))


def buy_components(plant: ProductionPlant, make_user: Any) -> dict[str, Any]:
    """Buy ``part`` (lot P-L1) and five ``serial_part`` serials from a qualified supplier
    through procurement (order approved by QA, received by the clerk), release them by QA2's
    signature and put them away; ``material`` (untracked) is stocked directly."""
    buyer = person(make_user, "buyer", "purchasing")
    supplier = _supplier(plant)
    _approve(plant, plant.part)
    _approve(plant, plant.serial_part)
    order = procurement.create_order(
        Actor.for_user(buyer),
        supplier=supplier,
        lines=[
            {"product": plant.part, "quantity": "50", "unit_price": "1.00"},
            {"product": plant.serial_part, "quantity": 5, "unit_price": "9.00"},
        ],
    )
    procurement.submit_order(Actor.for_user(buyer), order.pk)
    procurement.approve_order(Actor.for_user(plant.qa), order.pk, **sign(plant.qa))
    lot_line, serial_line = order.lines.order_by("line_no")
    made, expires = dt.date(2026, 1, 5), dt.date(2028, 6, 30)
    receipt = procurement.receive(
        Actor.for_user(plant.clerk),
        order.pk,
        [
            {
                "order_line": lot_line.pk,
                "quantity": "50",
                "lot_number": "P-L1",
                "manufacture_date": made,
                "expiry_date": expires,
            },
            *({"order_line": serial_line.pk, "quantity": 1, "serial_number": s} for s in SERIALS),
        ],
        location=plant.quarantine,
    )
    qa2 = Actor.for_user(plant.qa2)
    for line in receipt.lines.all():
        if line.serial_id:
            inventory.release_serial(qa2, line.serial_id, **sign(plant.qa2))
        else:
            inventory.release_lot(qa2, line.lot_id, **sign(plant.qa2))
        inventory.transfer(
            plant.system,
            product=line.product_id,
            quantity=line.quantity_accepted,
            from_location=plant.quarantine,
            to_location=plant.storage,
            lot=line.lot_id,
            serial=line.serial_id,
        )
    plant.stock(plant.material, None, "100")
    return {"supplier": supplier, "receipt": receipt}


@pytest.fixture
def made(production_plant: ProductionPlant, make_user: Any) -> dict[str, Any]:
    """A work order for 5 infusion sets, run to the end: every component issued (FEFO), an
    operation with in-process checks (one failed, re-checked after rework and passed), one
    barrel scrapped, 4 good and 1 scrap reported by ``operator``, completed; the output lot
    released by QA2 and the work order closed by QA's signature ("reviewed")."""
    p = production_plant
    bought = buy_components(p, make_user)
    wo = p.work_order(quantity="5")
    p.issue(wo)
    op = Actor.for_user(p.operator)
    op2 = Actor.for_user(p.operator2)
    now = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
    production.record_operation(
        op2,
        wo.pk,
        operation="ASSEMBLY",
        workstation="WS-1",
        started_at=now,
        completed_at=now + dt.timedelta(minutes=30),
        quantity_good="4",
        quantity_scrap="1",
    )
    production.record_check(
        op2,
        wo.pk,
        operation="ASSEMBLY",
        characteristic="泄漏测试 Leak test",
        specification="≤ 0.5 kPa/min",
        measured_value="0.2",
        result="pass",
    )
    production.record_check(
        op2, wo.pk, operation="ASSEMBLY", characteristic="Visual", result="fail", notes="scratch"
    )
    # Reworked and re-checked: the release gate needs the latest result of each check passed.
    production.record_check(
        op2, wo.pk, operation="ASSEMBLY", characteristic="Visual", result="pass", notes="rework"
    )
    lot = Lot.objects.get(product=p.part, number="P-L1")
    production.scrap_component(op, wo.pk, quantity="1", lot_id=lot.pk, reason="dropped")
    p.output(wo, "4")
    p.output(wo, "1", kind="scrap", reason="leak")
    p.complete(wo)
    output_lot = Lot.objects.get(product=p.device, number="FG-001")
    inventory.release_lot(Actor.for_user(p.qa2), output_lot.pk, **sign(p.qa2))
    p.close(wo)
    return {**bought, "wo": WorkOrder.objects.get(pk=wo.pk), "output_lot": output_lot}


def test_every_component_lot_and_serial_is_listed_with_its_supplier(made, production_plant):
    record = device_history_record(made["wo"].pk)

    by_code = {line["component"]["code"]: line for line in record.components}
    barrel = by_code[production_plant.part.code]
    assert [i["lot_number"] for i in barrel["items"]] == ["P-L1"]
    assert barrel["items"][0]["suppliers"][0]["name"] == SUPPLIER
    assert barrel["items"][0]["suppliers"][0]["receipt"] == made["receipt"].number
    assert barrel["items"][0]["origin"] == dhr_module.SUPPLIER
    assert (barrel["planned"], barrel["expected"], barrel["issued"], barrel["scrapped"]) == (
        "10",
        "8",
        "10",
        "1",
    )
    boards = by_code[production_plant.serial_part.code]
    assert sorted(i["serial_number"] for i in boards["items"]) == SERIALS
    assert {s["name"] for i in boards["items"] for s in i["suppliers"]} == {SUPPLIER}
    pouch = by_code[production_plant.material.code]
    assert pouch["issued"] == "15"
    assert [i["origin"] for i in pouch["items"]] == [dhr_module.UNKNOWN]


def test_operators_are_listed_with_what_they_did(made, production_plant):
    record = device_history_record(made["wo"].pk)

    activities = {
        op["name"].split(" ")[0]: {a["activity"]: a["count"] for a in op["activities"]}
        for op in record.operators
    }
    assert activities["operator"] == {
        "issue": 7,
        "output": 2,
        "scrap": 1,
    }  # 1 lot, 5 serials, 1 untracked
    assert activities["operator2"] == {"operation": 1, "check": 3}


def test_checks_operations_scrap_and_yield(made):
    record = device_history_record(made["wo"].pk)

    assert [(c["characteristic"], c["result"]) for c in record.checks] == [
        ("泄漏测试 Leak test", "pass"),
        ("Visual", "fail"),
        ("Visual", "pass"),
    ]
    assert record.operations[0]["operation"] == "ASSEMBLY"
    assert record.operations[0]["quantity_good"] == "4"
    assert record.component_scrap[0]["reason"] == "dropped"
    assert [o["kind"] for o in record.outputs] == ["good", "scrap"]
    assert record.totals == {
        "good": "4",
        "scrap": "1",
        "rework": "0",
        "yield_ratio": "0.8000",
        "yield_percent": "80.0",
    }
    assert record.work_order["actual_quantity"] == "4"
    assert record.work_order["planned_quantity"] == "5"


def test_output_carries_its_udi_status_and_qa_release_signature(made, production_plant):
    record = device_history_record(made["wo"].pk)

    [item] = record.output_items
    lot = made["output_lot"]
    expiry = Lot.objects.get(pk=lot.pk).expiry_date
    assert item["udi"] == f"(01){production_plant.device.gtin}(17){expiry:%y%m%d}(10)FG-001"
    assert item["status"] == "released"
    [release] = record.group("output_lot")
    assert [(v.meaning, v.valid) for v in release.views] == [("released", True)]
    assert release.views[0].printed_name == "qa2 签名人"


def test_bom_approval_and_work_order_close_signatures_are_shown(made):
    record = device_history_record(made["wo"].pk)

    [bom] = record.group("bom")
    assert [(v.meaning, v.valid) for v in bom.views] == [("approved", True)]
    [closed] = record.group("work_order")
    assert [(v.meaning, v.valid, v.printed_name) for v in closed.views] == [
        ("reviewed", True, "qa 签名人")
    ]
    assert record.bom["revision"] == 1
    assert record.work_order["state"] == "closed"
    assert record.work_order["closed_at"] is not None


def test_the_record_has_a_stable_content_hash(made):
    first = device_history_record(made["wo"].pk)
    again = device_history_record(made["wo"].pk)

    assert len(first.content_sha256) == 64
    assert first.content_sha256 == again.content_sha256
    assert first.as_dict()["content_sha256"] == first.content_sha256


def test_a_lot_made_in_house_says_which_work_order_made_it(production_plant):
    """A device made by one work order and packed into a kit by another: the kit's DHR names
    that work order as the origin of the lot, not a supplier."""
    p = production_plant
    kit = production_fixtures._approved(
        p.system,
        p.qa,
        production_fixtures._product(
            p.system,
            7,
            code="DEV-KIT",
            name_zh="输液套装",
            name_en="Infusion kit",
            device_class="II",
            shelf_life_days=1095,
        ),
    )
    production_fixtures._bom(p.planner, p.qa, kit, [(p.device, 1)])
    p.stock_all()
    sub = p.work_order(quantity="2", lot="FG-SUB")
    p.issue(sub)
    p.output(sub, "2")
    p.complete(sub)  # final release needs the DHR complete (disposition gate)
    made_lot = Lot.objects.get(product=p.device, number="FG-SUB")
    inventory.release_lot(Actor.for_user(p.qa2), made_lot.pk, **sign(p.qa2))
    inventory.transfer(
        p.system,
        product=p.device,
        quantity="2",
        from_location=p.fg_quarantine,
        to_location=p.storage,
        lot=made_lot,
    )
    wo = p.work_order(product=kit, quantity="2", lot="KIT-1")
    p.issue(wo)

    record = device_history_record(wo.pk)

    [line] = record.components
    [item] = line["items"]
    assert item["lot_number"] == "FG-SUB"
    assert item["origin"] == dhr_module.IN_HOUSE
    assert item["made_by_work_orders"] == [sub.number]
    assert item["suppliers"] == []


def test_the_number_of_queries_does_not_grow_with_the_record(made, production_plant):
    p = production_plant
    with CaptureQueriesContext(connection) as before:
        device_history_record(made["wo"].pk)
    wo = p.work_order(quantity="1", lot="FG-003")
    p.stock(p.serial_part, serials=["SN-101", "SN-102"])
    p.issue(wo)
    for n in range(3):
        production.record_check(
            Actor.for_user(p.operator2), wo.pk, characteristic=f"C{n}", result="pass"
        )
    p.output(wo, "1")
    with CaptureQueriesContext(connection) as small:
        device_history_record(wo.pk)

    assert len(small.captured_queries) <= len(before.captured_queries)
    assert len(before.captured_queries) <= 30


def test_an_unknown_work_order_has_no_record(db):
    with pytest.raises(NotFound):
        device_history_record(999_999)


def test_udi_text_follows_the_gs1_order():
    assert udi_text("06907770000011", expiry=dt.date(2029, 6, 14), lot="L1") == (
        "(01)06907770000011(17)290614(10)L1"
    )
    assert udi_text("06907770000011", serial="S9") == "(01)06907770000011(21)S9"


# --- JSON, page, PDF -----------------------------------------------------------------------------


def client_for(make_user: Any, *roles: str) -> Client:
    user = make_user(f"reader-{'-'.join(roles) or 'none'}", *roles)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_dhr_as_json(made, make_user):
    client = client_for(make_user, "auditor")

    r = client.get(f"/api/v1/compliance/work-orders/{made['wo'].pk}/dhr")

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["work_order"]["number"] == made["wo"].number
    assert body["content_sha256"] == device_history_record(made["wo"].pk).content_sha256
    suppliers = {s["name"] for c in body["components"] for i in c["items"] for s in i["suppliers"]}
    assert suppliers == {SUPPLIER}
    assert body["output_items"][0]["udi"].startswith("(01)")
    assert body["totals"]["yield_percent"] == "80.0"
    whats = [g["what"] for g in body["signatures"]]
    assert whats == ["bom", "output_lot", "work_order"]
    assert body["signatures"][-1]["signatures"][0]["meaning"] == "reviewed"


def test_the_json_needs_permission_and_names_unknown_work_orders(made, make_user):
    assert (
        client_for(make_user).get(f"/api/v1/compliance/work-orders/{made['wo'].pk}/dhr").status_code
        == 403
    )
    r = client_for(make_user, "auditor").get("/api/v1/compliance/work-orders/999999/dhr")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_the_page_shows_the_record_and_links_to_lots(made, make_user):
    client = client_for(make_user, "auditor")

    r = client.get(f"/compliance/dhr/{made['wo'].pk}/")

    assert r.status_code == 200
    html = r.content.decode()
    assert made["wo"].number in html
    assert SUPPLIER in html
    assert f"/inventory/lots/{made['output_lot'].pk}/" in html
    assert "@page" in html  # the print stylesheet
    assert 'data-result="fail"' in html
    assert device_history_record(made["wo"].pk).content_sha256 in html


def test_the_page_and_pdf_are_guarded(made, make_user):
    client = client_for(make_user)

    assert client.get(f"/compliance/dhr/{made['wo'].pk}/").status_code == 403
    assert client.get(f"/compliance/dhr/{made['wo'].pk}/pdf/").status_code == 403
    assert Client().get(f"/compliance/dhr/{made['wo'].pk}/").status_code == 302
    reader = client_for(make_user, "auditor")
    assert reader.get("/compliance/dhr/999999/").status_code == 404


def test_the_pdf_is_an_attachment_named_after_the_work_order(made, make_user):
    client = client_for(make_user, "auditor")

    r = client.get(f"/compliance/dhr/{made['wo'].pk}/pdf/")

    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == f'attachment; filename="DHR-{made["wo"].number}.pdf"'
    assert r.content.startswith(b"%PDF")
    assert b"STSong-Light" in r.content
    assert r["X-Content-SHA256"] == device_history_record(made["wo"].pk).content_sha256


def test_the_pdf_prints_the_signature_manifestations(made):
    record = device_history_record(made["wo"].pk)
    rendered = pdf.render(
        "DHR",
        dhr_print.pdf_blocks(record),
        content_sha256=record.content_sha256,
        compress=False,
    )

    text = shown_text(rendered.content)
    assert squeeze("qa 签名人 (qa)") in text
    assert squeeze("qa2 签名人 (qa2)") in text
    assert squeeze(SUPPLIER) in text
    assert squeeze(record.output_items[0]["udi"]) in text
    assert text.count(squeeze(record.content_sha256)) >= rendered.pages


def test_serial_output_lists_each_serial_with_its_udi(production_plant):
    p = production_plant
    p.stock(p.part, "P-L9", "10")
    wo = p.work_order(product=p.serial_device, quantity="2", lot="")
    p.issue(wo)
    p.output(wo, "2", serial_numbers=["PUMP-1", "PUMP-2"])

    record = device_history_record(wo.pk)

    assert [i["udi"] for i in record.output_items] == [
        f"(01){p.serial_device.gtin}(21)PUMP-1",
        f"(01){p.serial_device.gtin}(21)PUMP-2",
    ]
    assert {i["status"] for i in record.output_items} == {"quarantine"}
    assert [g.label for g in record.group("output_serial")] == ["PUMP-1", "PUMP-2"]
    assert all(g.views == [] for g in record.group("output_serial"))
    assert Serial.objects.filter(serial_number__startswith="PUMP-").count() == 2


def test_dates_are_those_of_the_work_order(made):
    record = device_history_record(made["wo"].pk)

    wo = record.work_order
    assert wo["planned_start"] == TODAY
    assert wo["released_at"] <= wo["started_at"] <= wo["completed_at"] <= wo["closed_at"]
