"""/api/v1/compliance/recalls: open and close by signature, the list, tracking, the files
(RC-01..RC-06; invariants 5, 7, 9; ES-04)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from tests.compliance import recall_support
from tests.compliance.recall_support import TABLES, sign

from mederp.compliance.models import Recall, RecallLine
from mederp.core.models import Signature

pytestmark = pytest.mark.django_db

clock_frozen = recall_support.clock_frozen
world = recall_support.world
make_product = recall_support.make_product
make_customer = recall_support.make_customer
put_stock = recall_support.put_stock
make_order = recall_support.make_order
confirmed = recall_support.confirmed
allocated = recall_support.allocated
picked = recall_support.picked
reviewed = recall_support.reviewed
shipped = recall_support.shipped
desk = recall_support.desk
ship = recall_support.ship
send = recall_support.send

BASE = "/api/v1/compliance/recalls"


def client_of(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def opening(user, **extra):
    body = {
        "lots": ["L-BAD"],
        "classification": "II",
        "reason": "Seal failure found in retained samples",
        **sign(user),
    }
    body.update(extra)
    return body


def test_a_recall_is_opened_by_signature_and_replayed_by_its_key(desk, ship, send):
    ship("L-BAD", "4")
    client = client_of(desk.opener)
    body = opening(desk.opener)
    r = send(client, "post", BASE, body, HTTP_IDEMPOTENCY_KEY="open-1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["number"], data["state"], data["classification"]) == (
        "RC-2026-00001",
        "open",
        "II",
    )
    assert data["notification_deadline"] == "2026-06-18"
    assert data["line_count"] == 1 and data["affected_lots"] == 1
    assert [s["meaning"] for s in data["signatures"]] == ["opened"]
    assert data["scope"] == [{"kind": "lot", "number": "L-BAD", "product_code": "SAL-001"}]
    again = send(client, "post", BASE, body, HTTP_IDEMPOTENCY_KEY="open-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == data["id"]
    assert Recall.objects.count() == 1


def test_a_wrong_password_is_refused_and_writes_nothing(desk, ship, send, unchanged):
    ship("L-BAD")
    with unchanged(*TABLES, Signature):
        r = send(client_of(desk.opener), "post", BASE, opening(desk.opener, password="wrong"))
    assert r.status_code in (401, 403, 422)
    assert r.json()["code"].startswith("identity.")


def test_an_unknown_lot_is_a_coded_404(desk, send, unchanged):
    with unchanged(*TABLES, Signature):
        r = send(client_of(desk.opener), "post", BASE, opening(desk.opener, lots=["NOPE"]))
    assert r.status_code == 404
    assert r.json()["code"] == "compliance.unknown_lot"


def test_unknown_fields_are_refused(desk, send):
    r = send(client_of(desk.opener), "post", BASE, opening(desk.opener, extra="x"))
    assert r.status_code == 422


def test_lists_items_lines_and_tracking(desk, ship, send):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    client = client_of(desk.tracker)
    listed = client.get(BASE, {"state": "open"}).json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == recall.number
    items = client.get(f"{BASE}/{recall.pk}/items").json()
    assert [(i["kind"], i["number"], i["depth"]) for i in items] == [("lot", "L-BAD", 0)]
    lines = client.get(f"{BASE}/{recall.pk}/lines").json()
    assert lines["count"] == 1
    line = lines["items"][0]
    assert line["quantity"] == "4" and line["udi"].startswith("(01)")
    line_id = line["id"]

    r = send(
        client, "post", f"{BASE}/{recall.pk}/notifications", {"line_ids": [line_id], "via": "email"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["items"][0]["notified_via"] == "email"
    r = send(client, "post", f"{BASE}/{recall.pk}/acknowledgements", {"line_ids": [line_id]})
    assert r.status_code == 200 and r.json()["items"][0]["acknowledged_at"]
    r = send(
        client,
        "post",
        f"{BASE}/{recall.pk}/lines/{line_id}/account",
        {"quantity_returned": "3", "quantity_accounted": 1, "disposition": "destroyed"},
    )
    assert r.status_code == 200 and r.json()["quantity_returned"] == "3"
    detail = client.get(f"{BASE}/{recall.pk}").json()
    assert detail["effectiveness_now"] == {"accounted": "4", "shipped": "4", "ratio": "1.0000"}


def test_a_float_quantity_is_refused(desk, ship, send):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    line = RecallLine.objects.get(recall=recall)
    r = send(
        client_of(desk.tracker),
        "post",
        f"{BASE}/{recall.pk}/lines/{line.pk}/account",
        {"quantity_returned": 1.5, "quantity_accounted": 0},
    )
    assert r.status_code == 422


def test_close_by_signature_of_another_person(desk, ship, send):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    desk.notify_all(recall)
    refused = send(
        client_of(desk.opener),
        "post",
        f"{BASE}/{recall.pk}/close",
        {**sign(desk.opener), "reason": "done"},
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "signatures.sod_distinct_signers"
    r = send(
        client_of(desk.closer),
        "post",
        f"{BASE}/{recall.pk}/close",
        {**sign(desk.closer), "reason": "All notified; stock destroyed"},
        HTTP_IDEMPOTENCY_KEY="close-1",
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "closed"
    assert [s["meaning"] for s in r.json()["signatures"]] == ["opened", "closed"]


def test_the_list_files(desk, ship):
    ship("L-BAD", "4")
    recall = desk.open("L-BAD")
    client = client_of(desk.world.seller)  # no recall permission
    assert client.get(f"{BASE}/{recall.pk}/list.csv").status_code == 403
    client = client_of(desk.tracker)
    r = client.get(f"{BASE}/{recall.pk}/list.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert f"{recall.number}-list.csv" in r["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[-1][1] == desk.world.customer.name
    r = client.get(f"{BASE}/{recall.pk}/list.xlsx")
    assert r.status_code == 200
    assert load_workbook(io.BytesIO(r.content)).sheetnames[1] == "Consignees 收货单位"
    r = client.get(f"{BASE}/{recall.pk}/list.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_a_warehouse_clerk_may_neither_open_nor_read_recalls(desk, ship, send):
    ship("L-BAD")
    client = client_of(desk.world.picker)
    assert client.get(BASE).status_code == 403
    r = send(client, "post", BASE, opening(desk.world.picker))
    assert r.status_code == 403
