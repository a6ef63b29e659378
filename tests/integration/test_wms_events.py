"""POST /api/v1/integration/wms/events (issue 7, point 6): a warehouse system's transfers, picks
and counts go through the inventory and sales services a clerk at the screen would use
(invariant 1), with the WMS client named as the actor; deduplicated by event id (invariant 5);
every refusal coded and writing nothing (invariant 7); out-of-order events refused until what
they depend on has happened (docs/integration.md). UDI-02; ISO 13485 §7.5.11; GSP 出库."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from tests.sales import conftest as sales_fixtures
from tests.sales.conftest import TABLES as SALES_TABLES
from tests.sales.conftest import World, gs1, sign
from tests.signing_support import later

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.identity import services as identity
from mederp.identity.roles import sync_roles
from mederp.integration.models import InboundEvent
from mederp.inventory import services as inventory
from mederp.inventory.models import Balance, CycleCount, CycleCountLine, Move
from mederp.sales import services as sales
from mederp.sales.models import Pick, SalesOrder

world = sales_fixtures.world
make_product = sales_fixtures.make_product
make_customer = sales_fixtures.make_customer
put_stock = sales_fixtures.put_stock
make_order = sales_fixtures.make_order
confirmed = sales_fixtures.confirmed
allocated = sales_fixtures.allocated
clock_frozen = sales_fixtures.clock_frozen

URL = "/api/v1/integration/wms/events"
TABLES = (*SALES_TABLES, Balance, CycleCount, CycleCountLine, InboundEvent)
#: Sent five minutes ago by the WMS's clock.
AGO = "2026-06-15T09:55:00+08:00"


def wms_client(system: Actor, *, roles: tuple[str, ...] = ("wms_client",), **kw: Any) -> Client:
    """A Django client speaking as a WMS API client with a key (default scope
    integration:write)."""
    sync_roles()
    kw.setdefault("scopes", ["integration:write"])
    _user, token = identity.create_api_client(
        system, name=f"wms-{'-'.join(roles) or 'none'}", roles=roles, **kw
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def post(client: Client, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def event(event_type: str, event_id: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "source_system": "WMS-SH",
        "occurred_at": kw.pop("occurred_at", AGO),
        "type": event_type,
        "data": data,
        **kw,
    }


def transferred(
    w: World, event_id: str = "wms-1", *, source: str = "A-01", target: str = "A-02", **data: Any
) -> dict[str, Any]:
    return event(
        "stock_transferred",
        event_id,
        {
            "warehouse": "WH1",
            "from_location": source,
            "to_location": target,
            "product": w.lot_product.gtin,
            "lot_number": "L1",
            "quantity": "4",
            **data,
        },
    )


def now_iso() -> str:
    return clock.now().isoformat()


def on_hand(w: World, location: Any, lot: Any) -> Decimal:
    row = Balance.objects.filter(location=location, lot=lot).first()
    return row.quantity if row is not None else Decimal(0)


@pytest.fixture
def wms(world: World, system: Actor) -> Client:
    return wms_client(system)


@pytest.fixture
def lot(world: World, put_stock: Callable[..., Any]) -> Any:
    """Lot L1 of the lot-tracked product: 10 released units in A-01."""
    return put_stock(world.lot_product, "L1", "10")


def refused(unchanged: Callable[..., Any], client: Client, body: dict[str, Any]) -> Any:
    with unchanged(*TABLES):
        r = post(client, body)
    assert r.status_code >= 400, r.content
    return r


# --- stock_transferred ---------------------------------------------------------------------------


def test_a_transfer_moves_stock_through_the_inventory_service_as_the_wms(wms, world, lot) -> None:
    r = post(wms, transferred(world))

    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["type"], out["status"], out["event_id"]) == (
        "stock_transferred",
        "processed",
        "wms-1",
    )
    assert out["move"]["lot_number"] == "L1" and out["move"]["quantity"] == "4"
    assert (out["move"]["from_location"], out["move"]["to_location"]) == ("A-01", "A-02")
    move = Move.objects.get(pk=out["move"]["id"])
    assert (move.document_type, move.document_id) == ("inventory.transfer", "wms-1")
    assert move.actor_name.startswith("wms-")
    assert (on_hand(world, world.storage, lot), on_hand(world, world.storage2, lot)) == (6, 4)
    stored = InboundEvent.objects.get(source="wms", event_id="wms-1")
    assert stored.work_order_number == out["reference"] == f"MV-{move.pk}"
    assert stored.body["source_system"] == "WMS-SH"
    assert stored.occurred_at.isoformat() == "2026-06-15T01:55:00+00:00"


def test_a_redelivered_transfer_is_answered_from_the_stored_event(wms, world, lot) -> None:
    first = post(wms, transferred(world))
    moves = Move.objects.count()

    again = post(wms, transferred(world))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replay"] == "true"
    assert again.json() == first.json()
    assert Move.objects.count() == moves


def test_the_same_event_id_with_another_quantity_is_409(wms, world, lot, unchanged) -> None:
    post(wms, transferred(world))

    r = refused(unchanged, wms, transferred(world, quantity="5"))

    assert r.status_code == 409
    assert r.json()["code"] == "integration.event_id_reused"


def test_a_transfer_that_overtakes_the_one_before_it_waits_for_it(
    wms, world, lot, unchanged
) -> None:
    """The move out of A-02 arrives before the move into it: refused (nothing there yet),
    nothing stored; sent again under the same id after the first, it is recorded."""
    back = transferred(world, "wms-2", source="A-02", target="A-01")

    early = refused(unchanged, wms, back)
    assert early.status_code == 409
    assert early.json()["code"] == "inventory.insufficient_stock"

    assert post(wms, transferred(world, "wms-1")).status_code == 201
    late = post(wms, back)
    assert late.status_code == 201, late.content
    assert (on_hand(world, world.storage, lot), on_hand(world, world.storage2, lot)) == (10, 0)


def test_quarantined_stock_cannot_be_put_away_into_storage(wms, world, system, unchanged) -> None:
    inventory.receive_into_quarantine(
        system,
        product=world.lot_product,
        quantity="3",
        from_location=world.supplier_location,
        to_location=world.quarantine,
        lot_number="Q1",
        manufacture_date=sales_fixtures.TODAY,
        expiry_date=sales_fixtures.TODAY.replace(year=2028),
        document_id="GRN-1",
    )

    r = refused(unchanged, wms, transferred(world, source="QUA", lot_number="Q1", quantity="3"))

    assert r.json()["code"] == "inventory.stock_not_released"
    assert r.json()["details"]["item"] == "lot Q1"


@pytest.mark.parametrize(
    "change,code",
    [
        ({"product": "NOPE"}, "integration.unknown_product"),
        ({"lot_number": "L404"}, "integration.unknown_lot"),
        ({"to_location": "Z-99"}, "integration.unknown_location"),
        ({"warehouse": "WH9"}, "integration.unknown_location"),
    ],
    ids=["product", "lot", "location", "warehouse"],
)
def test_what_the_wms_names_must_exist(wms, world, lot, unchanged, change, code) -> None:
    r = refused(unchanged, wms, transferred(world, **change))

    assert r.json()["code"] == code
    assert r.json()["details"]["field"].startswith("data.")


def test_a_float_quantity_is_refused(wms, world, lot, unchanged) -> None:
    r = refused(unchanged, wms, transferred(world, quantity=4.0))

    assert r.status_code == 422 and r.json()["code"] == "validation_failed"


# --- pick_confirmed ------------------------------------------------------------------------------


def picked(order: SalesOrder, event_id: str = "wms-p1", **data: Any) -> dict[str, Any]:
    return event("pick_confirmed", event_id, {"order": order.number, **data})


def test_a_pick_confirmed_by_scan_picks_the_order_as_the_wms(wms, world, lot, allocated) -> None:
    order = allocated((world.lot_product, "10"))

    r = post(wms, picked(order, scan=gs1(world.lot_product, lot="L1"), quantity="10"))

    assert r.status_code == 201, r.content
    out = r.json()
    assert out["reference"] == order.number
    assert out["pick"]["order_status"] == "picked" and out["pick"]["lot_number"] == "L1"
    pick = Pick.objects.get(pk=out["pick"]["id"])
    assert pick.picked_by_name.startswith("wms-") and pick.quantity == 10


def test_a_pick_may_name_the_gtin_and_lot_instead_of_the_scan(wms, world, lot, allocated) -> None:
    order = allocated((world.lot_product, "10"))

    r = post(wms, picked(order, gtin=world.lot_product.gtin, lot_number="L1", quantity="4"))

    assert r.status_code == 201, r.content
    assert r.json()["pick"]["quantity"] == "4"
    assert SalesOrder.objects.get(pk=order.pk).status == "allocated"


def test_a_pick_of_another_lot_is_refused(wms, world, lot, put_stock, allocated, unchanged) -> None:
    put_stock(world.lot_product, "L2", "5", location=world.storage2)
    order = allocated((world.lot_product, "10"))

    r = refused(unchanged, wms, picked(order, scan=gs1(world.lot_product, lot="L2")))

    assert (r.status_code, r.json()["code"]) == (422, "sales.wrong_lot")


def test_a_pick_without_a_scan_or_gtin_is_refused(wms, world, lot, allocated, unchanged) -> None:
    order = allocated((world.lot_product, "10"))

    r = refused(unchanged, wms, picked(order))

    assert (r.status_code, r.json()["code"]) == (422, "integration.scan_required")


def test_a_pick_for_an_unknown_order_is_404(wms, world, unchanged) -> None:
    r = refused(unchanged, wms, event("pick_confirmed", "wms-p9", {"order": "SO-0", "scan": "x"}))

    assert (r.status_code, r.json()["code"]) == (404, "integration.unknown_sales_order")


def test_a_pick_that_overtakes_the_allocation_waits_for_it(
    wms, world, lot, confirmed, unchanged
) -> None:
    order = confirmed((world.lot_product, "10"))
    body = picked(order, scan=gs1(world.lot_product, lot="L1"), quantity="10")

    early = refused(unchanged, wms, body)
    assert (early.status_code, early.json()["code"]) == (409, "workflow.wrong_state")

    sales.allocate_order(Actor.for_user(world.picker), order.pk)
    late = post(wms, body)
    assert late.status_code == 201, late.content


# --- count_reported ------------------------------------------------------------------------------


def counted(event_id: str = "wms-c1", *lines: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return event(
        "count_reported",
        event_id,
        {"warehouse": "WH1", "location": "A-01", "lines": list(lines)},
        occurred_at=kw.pop("occurred_at", None) or now_iso(),
        **kw,
    )


def test_a_count_is_recorded_blind_and_books_nothing_until_a_person_approves(
    wms, world, lot, system
) -> None:
    moves = Move.objects.count()

    r = post(
        wms,
        counted("wms-c1", {"product": world.lot_product.code, "lot_number": "L1", "counted": "9"}),
    )

    assert r.status_code == 201, r.content
    count = r.json()["count"]
    assert count["status"] == "counted" and count["location"] == "A-01"
    [line] = count["lines"]
    assert (line["expected"], line["counted"], line["difference"]) == ("10", "9", "-1")
    assert Move.objects.count() == moves
    assert on_hand(world, world.storage, lot) == 10

    inventory.create_location(
        system, world.storage.warehouse_id, code="ADJ", name="ADJ", kind="adjustment"
    )
    inventory.approve_count(
        Actor.for_user(world.qa), count["id"], **sign(world.qa), reason="one unit missing"
    )
    assert on_hand(world, world.storage, lot) == 9


def test_what_the_count_does_not_list_was_not_found_and_what_it_adds_was(
    wms, world, lot, put_stock
) -> None:
    put_stock(world.lot_product, "L2", "5", location=world.storage2)

    r = post(
        wms,
        counted("wms-c2", {"product": world.lot_product.gtin, "lot_number": "L2", "counted": 2}),
    )

    assert r.status_code == 201, r.content
    lines = {x["lot_number"]: x for x in r.json()["count"]["lines"]}
    assert (lines["L1"]["expected"], lines["L1"]["counted"]) == ("10", "0")
    assert (lines["L2"]["expected"], lines["L2"]["counted"]) == ("0", "2")


def test_a_count_taken_before_the_last_move_at_its_location_is_refused(
    wms, world, lot, unchanged
) -> None:
    line = {"product": world.lot_product.code, "lot_number": "L1", "counted": "10"}
    taken = now_iso()
    later(60)
    assert post(wms, transferred(world) | {"occurred_at": now_iso()}).status_code == 201

    r = refused(unchanged, wms, counted("wms-c3", line, occurred_at=taken))

    assert (r.status_code, r.json()["code"]) == (409, "integration.count_outdated")


def test_an_item_listed_twice_in_a_count_is_refused(wms, world, lot, unchanged) -> None:
    line = {"product": world.lot_product.code, "lot_number": "L1", "counted": "5"}

    r = refused(unchanged, wms, counted("wms-c4", line, line))

    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")


# --- who may post --------------------------------------------------------------------------------


def test_a_client_without_the_wms_role_is_refused(world, lot, system, unchanged) -> None:
    client = wms_client(system, roles=("mes_client",))

    r = refused(unchanged, client, transferred(world))

    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")


def test_a_key_without_the_integration_scope_is_refused(world, lot, system, unchanged) -> None:
    client = wms_client(system, scopes=["inventory:write"])

    r = refused(unchanged, client, transferred(world))

    assert (r.status_code, r.json()["code"]) == (403, "identity.scope_missing")
