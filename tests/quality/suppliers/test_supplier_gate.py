"""The purchase gate reads the supplier's evaluated status (ISO 13485 §7.4.1; CN-21; invariant
6): a disqualified supplier is refused at submission and at receipt, the refusal naming the
evaluation; a conditional one passes with a warning on the order page and in the API."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.partners import services as partners
from mederp.partners.models import Partner
from mederp.procurement import gates
from mederp.procurement import services as procurement
from tests.procurement.conftest import TABLES, sign


def disqualify(quality) -> str:
    quality.receive("100", accepted="10")
    ev = quality.approve(quality.evaluate("disqualified", rationale="90 % rejected"))
    return ev.number


def test_a_disqualified_supplier_is_refused_at_submission_naming_the_evaluation(
    quality, make_order, unchanged
):
    number = disqualify(quality)
    order = make_order()
    with unchanged(*TABLES), pytest.raises(DomainError) as caught:
        procurement.submit_order(Actor.for_user(quality.world.buyer), order.pk)
    exc = caught.value
    assert exc.code == "procurement.supplier_blocked"
    assert exc.details["evaluation"] == number
    assert f"disqualified by supplier evaluation {number}" in exc.render_message()


def test_a_disqualified_supplier_is_refused_at_receipt(quality, approved_order, unchanged):
    order = approved_order()  # approved while the supplier was still conditional
    number = disqualify(quality)
    line = order.lines.get()
    item = {
        "order_line": line.pk,
        "quantity": "5",
        "lot_number": "LX",
        "expiry_date": dt.date(2029, 1, 1),
    }
    with unchanged(*TABLES), pytest.raises(DomainError) as caught:
        procurement.receive(
            Actor.for_user(quality.world.inspector),
            order.pk,
            [item],
            location=quality.world.quarantine,
        )
    assert caught.value.code == "procurement.supplier_blocked"
    assert caught.value.details["evaluation"] == number


def test_a_conditional_supplier_passes_with_a_warning(quality, make_order, api_as, send):
    quality.receive("100", accepted="70")
    ev = quality.approve(quality.evaluate("conditional", rationale="30 % rejected"))
    order = make_order()
    procurement.submit_order(Actor.for_user(quality.world.buyer), order.pk)
    procurement.approve_order(Actor.for_user(quality.qa), order.pk, **sign(quality.qa))
    supplier = Partner.objects.get(pk=quality.world.supplier.pk)
    assert gates.problems(supplier, [quality.world.lot_product], "CN") == []
    [warning] = gates.supplier_warnings(supplier)
    assert warning.code == "procurement.supplier_conditional"
    assert ev.number in warning.render_message()
    client = api_as("purchasing")
    body = client.get(f"/api/v1/procurement/orders/{order.pk}").json()
    assert [w["code"] for w in body["gate_warnings"]] == ["procurement.supplier_conditional"]
    assert body["gate_problems"] == []
    page = client.get(f"/procurement/orders/{order.pk}/").content.decode()
    assert 'data-code="procurement.supplier_conditional"' in page


def test_an_approved_supplier_has_no_warning(quality):
    quality.receive("100")
    quality.approve(quality.evaluate("approved"))
    assert gates.supplier_warnings(Partner.objects.get(pk=quality.world.supplier.pk)) == []


def test_a_status_set_by_hand_no_longer_names_the_evaluation(quality, make_order, system):
    disqualify(quality)
    partners.change_partner(
        system, quality.world.supplier.pk, reason="audit failed", status="blocked"
    )
    partners.change_partner(system, quality.world.supplier.pk, reason="re-audit", status="approved")
    partners.change_partner(system, quality.world.supplier.pk, reason="hold", status="blocked")
    supplier = Partner.objects.get(pk=quality.world.supplier.pk)
    assert supplier.status_evaluation == ""
    [problem] = [p for p in gates.problems(supplier, [], "CN")]
    assert problem.code == "procurement.supplier_blocked"
    assert "evaluation" not in problem.details
