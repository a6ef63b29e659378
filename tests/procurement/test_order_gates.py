"""Gates are rules, not warnings (invariant 6; CN-01, CN-02, CN-04, CN-05): an order is refused
at submission, at approval and at receipt unless the supplier is qualified with a licence in
force covering each product's category, and each product is approved with a registration
certificate valid for the market. Each refusal names the document or product that blocks, and
writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.catalog import services as catalog
from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.identity.models import SecurityEvent
from mederp.partners import services as partners
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder, PurchaseOrderLine, Receipt

LICENCE = {
    "kind": "distribution_licence",
    "number": "LIC-2",
    "valid_from": dt.date(2022, 1, 1),
    "valid_until": dt.date(2027, 12, 31),
    "scope": ["14"],
}


def submit(world, order):
    return services.submit_order(Actor.for_user(world.buyer), order.pk)


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(PurchaseOrder, PurchaseOrderLine, Receipt), pytest.raises(DomainError) as c:
        fn(*args, **kwargs)
    return c.value


def test_an_order_passing_every_gate_is_submitted(world, make_order):
    order = submit(world, make_order())
    assert order.state == "submitted"


def test_an_order_without_lines_cannot_be_submitted(world, make_order, unchanged):
    order = services.create_order(Actor.for_user(world.buyer), supplier=world.supplier)
    exc = refused(unchanged, submit, world, order)
    assert exc.code == "procurement.order_empty"


def test_a_supplier_not_yet_qualified_is_refused(world, make_order, make_supplier, unchanged):
    supplier = make_supplier(LICENCE, approved=False)
    exc = refused(unchanged, submit, world, make_order(supplier=supplier))
    assert exc.code == "procurement.supplier_not_qualified"
    assert supplier.code in exc.render_message()


def test_a_supplier_changed_since_its_approval_is_refused(world, make_order, system, unchanged):
    order = make_order()
    partners.change_partner(system, world.supplier.pk, reason="moved", address="新地址")
    exc = refused(unchanged, submit, world, order)
    assert exc.code == "procurement.supplier_not_qualified"


def test_a_blocked_supplier_is_refused(world, make_order, system, unchanged):
    order = make_order()
    partners.change_partner(system, world.supplier.pk, reason="quality problems", status="blocked")
    exc = refused(unchanged, submit, world, order)
    assert exc.code == "procurement.supplier_blocked"


def test_a_lapsed_licence_is_named_with_its_number_and_last_day(world, make_order, unchanged):
    order = make_order()
    with clock.frozen(dt.datetime(2028, 1, 10, 2, 0, tzinfo=dt.UTC)):
        exc = refused(unchanged, submit, world, order)
    assert exc.code == "procurement.supplier_licence_expired"
    assert exc.details["number"] == world.licence.number
    assert exc.details["valid_until"] == "2027-12-31"
    assert exc.details["document_id"] == world.licence.pk
    message = exc.render_message()
    assert world.licence.number in message and "2027-12-31" in message


def test_the_licence_is_judged_on_the_local_business_day(world, make_order, unchanged):
    """2027-12-31 16:30 UTC is already 2028-01-01 in Shanghai: the licence has lapsed."""
    order = make_order()
    with clock.frozen(dt.datetime(2027, 12, 31, 16, 30, tzinfo=dt.UTC)):
        exc = refused(unchanged, submit, world, order)
    assert exc.code == "procurement.supplier_licence_expired"


def test_a_licence_not_covering_the_category_is_refused(world, make_order, make_product, unchanged):
    imaging = make_product(world.qa, category_code="06-01")
    exc = refused(unchanged, submit, world, make_order((imaging, "1")))
    assert exc.code == "procurement.supplier_scope"
    assert exc.details["category"] == "06-01"
    assert world.licence.number in exc.details["licences"]


def test_a_supplier_without_any_device_licence_is_refused(
    world, make_order, make_supplier, unchanged
):
    supplier = make_supplier({"kind": "business_licence", "number": "BL-9", "scope": []})
    exc = refused(unchanged, submit, world, make_order(supplier=supplier))
    assert exc.code == "procurement.supplier_licence_missing"


def test_a_licence_starting_later_is_named(world, make_order, make_supplier, unchanged):
    supplier = make_supplier({**LICENCE, "valid_from": dt.date(2026, 7, 1)})
    exc = refused(unchanged, submit, world, make_order(supplier=supplier))
    assert exc.code == "procurement.supplier_licence_not_yet_valid"
    assert exc.details["valid_from"] == "2026-07-01"


def test_a_lapsed_business_licence_is_named(world, make_order, make_supplier, unchanged):
    supplier = make_supplier(
        LICENCE,
        {
            "kind": "business_licence",
            "number": "BL-OLD",
            "scope": [],
            "valid_until": dt.date(2026, 1, 31),
        },
    )
    exc = refused(unchanged, submit, world, make_order(supplier=supplier))
    assert exc.code == "procurement.supplier_business_licence_expired"
    assert exc.details["number"] == "BL-OLD"


def test_a_product_not_approved_is_refused(world, make_order, make_product, unchanged):
    draft = make_product()  # never approved (首营品种)
    exc = refused(unchanged, submit, world, make_order((draft, "1")))
    assert exc.code == "procurement.product_not_approved"
    assert exc.details["product"] == draft.code


def test_a_product_changed_since_approval_is_refused(world, make_order, system, unchanged):
    order = make_order()
    catalog.change_product(system, world.lot_product.pk, reason="new size", specification="10 ml")
    exc = refused(unchanged, submit, world, order)
    assert exc.code == "procurement.product_not_approved"


def test_an_inactive_product_is_refused(world, make_order, system, unchanged):
    order = make_order()
    catalog.change_product(system, world.lot_product.pk, reason="discontinued", status="inactive")
    exc = refused(unchanged, submit, world, order)
    assert exc.code == "procurement.product_inactive"


def test_a_lapsed_registration_certificate_is_named(world, make_order, make_product, unchanged):
    lapsed = make_product(world.qa, registration_until=dt.date(2026, 6, 1))
    exc = refused(unchanged, submit, world, make_order((lapsed, "1")))
    assert exc.code == "procurement.registration_expired"
    assert exc.details["valid_until"] == "2026-06-01"
    assert exc.details["number"] == lapsed.registrations.get().number


def test_a_device_without_a_certificate_for_the_market_is_refused(world, make_order, unchanged):
    exc = refused(unchanged, submit, world, make_order(market="EU"))
    assert exc.code == "procurement.registration_missing"
    assert exc.details["market"] == "EU"


def test_a_component_that_is_not_a_device_needs_no_certificate(world, make_order):
    assert submit(world, make_order((world.plain_product, "10"))).state == "submitted"


def test_every_problem_is_listed_with_the_first_one_raised(
    world, make_order, make_product, unchanged
):
    draft = make_product()
    lapsed = make_product(world.qa, registration_until=dt.date(2026, 1, 1))
    exc = refused(unchanged, submit, world, make_order((draft, "1"), (lapsed, "1")))
    codes = [p["code"] for p in exc.details["problems"]]
    assert codes == ["procurement.product_not_approved", "procurement.registration_expired"]


def test_the_gates_are_judged_again_at_approval(world, make_order, sign, unchanged):
    order = submit(world, make_order())
    logged = SecurityEvent.objects.count()
    with clock.frozen(dt.datetime(2028, 1, 10, 2, 0, tzinfo=dt.UTC)):
        exc = refused(
            unchanged,
            services.approve_order,
            Actor.for_user(world.qa),
            order.pk,
            **sign(world.qa),
        )
    assert exc.code == "procurement.supplier_licence_expired"
    # A gate blocks before the signer re-authenticates: no password attempt was spent.
    assert SecurityEvent.objects.count() == logged


def test_the_gates_are_judged_again_at_receipt(world, approved_order, unchanged):
    order = approved_order()
    line = order.lines.get()
    with clock.frozen(dt.datetime(2028, 1, 10, 2, 0, tzinfo=dt.UTC)):
        exc = refused(
            unchanged,
            services.record_receipt,
            Actor.for_user(world.inspector),
            line.pk,
            quantity="10",
            lot="L1",
            expiry_date=dt.date(2030, 1, 1),
            location=world.quarantine,
        )
    assert exc.code == "procurement.supplier_licence_expired"


def test_the_order_page_data_lists_what_blocks_a_draft(world, make_order, make_product):
    from mederp.procurement import selectors

    draft = make_product()
    order = selectors.order_with_lines(make_order((draft, "1")).pk)
    assert [p.code for p in selectors.gate_problems(order)] == ["procurement.product_not_approved"]
