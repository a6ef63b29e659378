"""Gates are rules, not warnings (invariant 6; CN-03, CN-04, CN-05): a sale is refused at
confirmation and again at shipment unless the customer is qualified with a licence in force
covering the product's category, and the product is approved with a registration in force.
Each refusal names the document that blocks and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.sales.conftest import TABLES

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.partners import services as partners
from mederp.sales import services
from mederp.sales.models import SalesOrder

pytestmark = pytest.mark.django_db


def confirm(world, order):
    return services.confirm_order(Actor.for_user(world.seller), order.pk)


def test_a_qualified_customer_with_a_licence_covering_the_category_can_buy(world, make_order):
    order = confirm(world, make_order())
    assert order.status == "confirmed"


def test_an_expired_customer_licence_refuses_the_order_and_names_the_licence(
    world, make_customer, make_order, unchanged
):
    """Issue 4 bad input: an expired customer licence."""
    customer, licence = make_customer(world.qa, valid_until=dt.date(2026, 5, 31))
    order = make_order(customer=customer)
    with unchanged(*TABLES), pytest.raises(DomainError) as refused:
        confirm(world, order)
    assert refused.value.code == "sales.customer_licence_expired"
    message = refused.value.render_message()
    assert licence.number in message and "2026-05-31" in message
    assert refused.value.details["document_id"] == licence.pk
    assert SalesOrder.objects.get(pk=order.pk).status == "draft"


def test_a_licence_not_yet_in_force_refuses_the_order(world, make_customer, make_order):
    customer, _ = make_customer(world.qa, valid_from=dt.date(2026, 7, 1))
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order(customer=customer))
    assert refused.value.code == "sales.customer_licence_not_yet_valid"


def test_a_licence_whose_scope_misses_the_category_refuses_the_order(
    world, make_customer, make_order
):
    customer, licence = make_customer(world.qa, scope=("07",))
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order(customer=customer))
    assert refused.value.code == "sales.customer_scope_not_covered"
    assert "14-02" in refused.value.render_message()
    assert licence.number in refused.value.render_message()


def test_a_customer_without_a_device_licence_cannot_buy(world, make_order, system):
    customer = partners.create_partner(
        system,
        code="CUS-NOLIC",
        name="没有许可证的公司",
        is_supplier=False,
        is_customer=True,
        uscc="91320505MA1N7Q4K5H",
        address="某地",
    )
    partners.add_document(system, customer.pk, kind="business_licence", number="BL-9", scope=[])
    from tests.sales.conftest import approve_partner

    approve_partner(world.qa, customer)
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order(customer=customer))
    assert refused.value.code == "sales.customer_licence_missing"


def test_an_unqualified_customer_cannot_buy(world, make_customer, make_order):
    customer, _ = make_customer(None)  # never approved by QA
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order(customer=customer))
    assert refused.value.code == "sales.customer_not_qualified"


def test_a_blocked_customer_cannot_buy(world, make_order, system):
    partners.change_partner(system, world.customer.pk, status="blocked", reason="unpaid")
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order())
    assert refused.value.code == "sales.customer_blocked"


def test_a_supplier_that_is_not_a_customer_cannot_buy(world, make_order, system):
    supplier = partners.create_partner(
        system,
        code="SUP-ONLY",
        name="供应商",
        is_supplier=True,
        is_customer=False,
        uscc="91320505MA1N7Q4K5H",
        address="某地",
    )
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order(customer=supplier))
    assert refused.value.code == "sales.not_a_customer"


def test_a_product_not_approved_for_use_cannot_be_sold(world, make_product, make_order):
    draft = make_product(None)
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order((draft, "1")))
    assert refused.value.code == "sales.product_not_approved"
    assert refused.value.details["product_id"] == draft.pk


def test_a_lapsed_registration_certificate_refuses_the_sale_and_names_it(
    world, make_product, make_order
):
    product = make_product(world.qa)
    registration = product.registrations.get()
    with clock.frozen(dt.datetime(2029, 1, 3, 2, 0, tzinfo=dt.UTC)):
        order = make_order((product, "1"))
        with pytest.raises(DomainError) as refused:
            confirm(world, order)
    assert refused.value.code in {"sales.customer_licence_expired", "sales.registration_expired"}
    codes = [p["code"] for p in refused.value.details["problems"]]
    assert "sales.registration_expired" in codes
    assert any(registration.number in p["message"] for p in refused.value.details["problems"])


def test_every_blocking_document_is_listed_with_the_first_refusal(
    world, make_customer, make_product, make_order
):
    customer, _ = make_customer(world.qa, valid_until=dt.date(2026, 5, 31))
    draft = make_product(None)
    with pytest.raises(DomainError) as refused:
        confirm(world, make_order((draft, "1"), customer=customer))
    codes = [p["code"] for p in refused.value.details["problems"]]
    assert codes == ["sales.customer_licence_expired", "sales.product_not_approved"]


def test_a_licence_that_lapses_after_confirmation_stops_the_shipment(
    world, put_stock, reviewed, unchanged
):
    """The gates are judged again at shipment (CN-04: sale and shipment are blocked)."""
    put_stock(world.lot_product, "L1", "10", expiry=dt.date(2029, 6, 30))
    order = reviewed()
    later = clock.frozen(dt.datetime(2028, 1, 2, 2, 0, tzinfo=dt.UTC))
    with later, unchanged(*TABLES), pytest.raises(DomainError) as refused:
        services.ship_order(Actor.for_user(world.picker), order.pk)
    assert refused.value.code == "sales.customer_licence_expired"
    assert world.licence.number in refused.value.render_message()
    assert SalesOrder.objects.get(pk=order.pk).status == "reviewed"
