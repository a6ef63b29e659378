"""Purchase order drafts: created with their lines, numbered per year, changed only while a
draft, every change audited with its reason (AT-01, AT-04) and its event in the outbox; bad
input refused with a code and nothing written (invariant 7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine

TABLES = (PurchaseOrder, PurchaseOrderLine)


def buyer(world) -> Actor:
    return Actor.for_user(world.buyer)


def create(world, lines=None, **kw):
    kw.setdefault("supplier", world.supplier)
    if lines is None:
        lines = [{"product": world.lot_product, "quantity": "100", "unit_price": "2.35"}]
    return services.create_order(buyer(world), lines=lines, **kw)


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(*TABLES), pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_a_draft_is_created_with_its_lines_a_number_an_audit_trail_and_an_event(world):
    order = create(
        world,
        lines=[
            {"product": world.lot_product.code, "quantity": "100", "unit_price": "2.35"},
            {"product": world.serial_product.pk, "quantity": 3, "unit_price": "1200"},
        ],
        expected_date=dt.date(2026, 7, 1),
        notes="urgent",
    )
    assert order.number == "PO-2026-00001"
    assert order.state == "draft"
    lines = list(order.lines.order_by("line_no"))
    assert [(ln.line_no, ln.product, ln.quantity) for ln in lines] == [
        (1, world.lot_product, Decimal("100")),
        (2, world.serial_product, Decimal("3")),
    ]
    assert lines[0].unit_price == Decimal("2.35")
    assert (
        AuditEntry.objects.filter(record_type="procurement.purchaseorder", action="create").count()
        == 1
    )
    assert AuditEntry.objects.filter(record_type="procurement.purchaseorderline").count() == 2
    event = OutboxEvent.objects.get(event_type="procurement.po.created")
    assert event.payload["number"] == "PO-2026-00001"
    assert [ln["product_id"] for ln in event.payload["lines"]] == [
        world.lot_product.pk,
        world.serial_product.pk,
    ]


def test_numbers_count_up_and_start_again_each_year(world):
    assert create(world).number == "PO-2026-00001"
    assert create(world).number == "PO-2026-00002"
    with clock.frozen(dt.datetime(2027, 1, 2, 2, 0, tzinfo=dt.UTC)):
        assert create(world).number == "PO-2027-00001"


def test_a_refused_draft_does_not_use_up_a_number(world, unchanged):
    refused(
        unchanged,
        create,
        world,
        lines=[{"product": world.lot_product, "quantity": "0", "unit_price": "1"}],
    )
    assert create(world).number == "PO-2026-00001"


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        ("0", "inventory.quantity_not_positive"),
        ("-5", "inventory.quantity_not_positive"),
        ("1.2345", "inventory.quantity_precision"),
        (1.5, "inventory.quantity_invalid"),
        ("abc", "inventory.quantity_invalid"),
    ],
)
def test_quantities_not_above_zero_too_fine_floats_or_text_are_refused(
    world, unchanged, quantity, code
):
    exc = refused(
        unchanged,
        create,
        world,
        lines=[{"product": world.lot_product, "quantity": quantity, "unit_price": "1"}],
    )
    assert exc.code == code
    assert exc.details["field"] == "lines.0.quantity"


@pytest.mark.parametrize("price", ["-1", "0.00001", 2.5, "x"])
def test_bad_unit_prices_are_refused(world, unchanged, price):
    exc = refused(
        unchanged,
        create,
        world,
        lines=[{"product": world.lot_product, "quantity": "1", "unit_price": price}],
    )
    assert exc.code == "procurement.unit_price_invalid"


def test_a_free_line_costs_nothing_but_is_allowed(world):
    order = create(
        world, lines=[{"product": world.lot_product, "quantity": "1", "unit_price": "0"}]
    )
    assert order.lines.get().unit_price == 0


def test_serial_tracked_products_are_ordered_in_whole_units(world, unchanged):
    exc = refused(
        unchanged,
        create,
        world,
        lines=[{"product": world.serial_product, "quantity": "1.5", "unit_price": "1"}],
    )
    assert exc.code == "procurement.quantity_not_whole"


def test_an_unknown_product_or_supplier_is_a_field_error(world, unchanged):
    exc = refused(
        unchanged, create, world, lines=[{"product": "NOPE", "quantity": "1", "unit_price": "1"}]
    )
    assert exc.code == "validation_failed"
    assert "lines.0.product" in exc.details["fields"]
    exc = refused(unchanged, create, world, supplier=999_999)
    assert "supplier" in exc.details["fields"]


def test_a_customer_only_partner_cannot_be_the_supplier(world, unchanged, system):
    from mederp.partners import services as partners
    from mederp.partners.rules import uscc_check_character

    body = "91320505MA0000077"
    customer = partners.create_partner(
        system,
        code="CUS-1",
        name="某医院",
        is_supplier=False,
        is_customer=True,
        uscc=body + uscc_check_character(body),
    )
    exc = refused(unchanged, create, world, supplier=customer)
    assert exc.code == "procurement.not_a_supplier"


def test_currency_and_market_are_checked(world, unchanged):
    assert refused(unchanged, create, world, currency="RMB¥").code == "procurement.currency_invalid"
    assert "market" in refused(unchanged, create, world, market="XX").details["fields"]


def test_unknown_line_fields_are_refused(world, unchanged):
    exc = refused(
        unchanged,
        create,
        world,
        lines=[{"product": world.lot_product, "quantity": "1", "unit_price": "1", "discount": "5"}],
    )
    assert "lines.0.discount" in exc.details["fields"]


def test_only_purchasing_may_create_orders(world, unchanged):
    exc = refused(
        unchanged,
        services.create_order,
        Actor.for_user(world.inspector),
        supplier=world.supplier,
        lines=[],
    )
    assert exc.code == "permission_denied"


# --- changing a draft --------------------------------------------------------------------------


def test_the_draft_header_changes_with_a_reason_in_the_audit_trail(world):
    order = create(world)
    services.change_order(
        buyer(world), order.pk, reason="supplier asked", expected_date=dt.date(2026, 8, 1)
    )
    order.refresh_from_db()
    assert order.expected_date == dt.date(2026, 8, 1)
    assert order.version == 2
    entry = AuditEntry.objects.filter(
        record_type="procurement.purchaseorder", action="update"
    ).get()
    assert entry.reason == "supplier asked"
    assert OutboxEvent.objects.filter(event_type="procurement.po.changed").exists()


def test_a_change_needs_a_reason(world, unchanged):
    order = create(world)
    exc = refused(unchanged, services.change_order, buyer(world), order.pk, reason="", notes="x")
    assert exc.code == "audit.reason_required"


def test_a_stale_edit_is_refused(world, unchanged):
    order = create(world)
    exc = refused(
        unchanged,
        services.change_order,
        buyer(world),
        order.pk,
        reason="r",
        expected_version=7,
        notes="x",
    )
    assert exc.code == "stale_record"


def test_lines_are_added_changed_and_removed_while_a_draft(world):
    order = create(world)
    line = services.add_line(
        buyer(world), order.pk, product=world.plain_product, quantity="5", unit_price="10"
    )
    assert line.line_no == 2
    services.change_line(buyer(world), line.pk, reason="more needed", quantity="8")
    line.refresh_from_db()
    assert line.quantity == 8
    services.remove_line(buyer(world), line.pk, reason="not needed after all")
    assert list(order.lines.values_list("line_no", flat=True)) == [1]
    removal = AuditEntry.objects.get(record_type="procurement.purchaseorderline", action="delete")
    assert removal.reason == "not needed after all"
    assert OutboxEvent.objects.filter(event_type="procurement.po.line_removed").exists()
    order.refresh_from_db()
    assert order.version == 4


def test_nothing_changes_once_submitted(world, unchanged):
    order = create(world)
    services.submit_order(buyer(world), order.pk)
    line = order.lines.get()
    for fn, args, kw in [
        (services.change_order, (order.pk,), {"reason": "r", "notes": "x"}),
        (
            services.add_line,
            (order.pk,),
            {"product": world.lot_product, "quantity": "1", "unit_price": "1"},
        ),
        (services.change_line, (line.pk,), {"reason": "r", "quantity": "2"}),
        (services.remove_line, (line.pk,), {"reason": "r"}),
    ]:
        exc = refused(unchanged, fn, buyer(world), *args, **kw)
        assert exc.code == "procurement.order_not_editable", fn.__name__
