"""Purchase order approval by electronic signature (ES-12; 21 CFR 11.50, 11.70, 11.200):
QA signs "approved" on the order's content; the author may not (segregation of duties);
rejection and cancellation need a reason; every refusal leaves only its security-log record
(ES-13)."""

from __future__ import annotations

import pytest
from tests.signing_support import code, enrol_totp

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity.models import SecurityEvent
from mederp.procurement import services
from mederp.procurement.models import PurchaseOrder


def submitted(world, make_order, **kw):
    order = make_order(**kw)
    return services.submit_order(Actor.for_user(world.buyer), order.pk)


def state(order) -> str:
    return PurchaseOrder.objects.get(pk=order.pk).state


def refused(fn, *args, logged=True, **kwargs) -> DomainError:
    before = (
        Signature.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.exclude(event_type="identity.security.alert").count(),
        list(PurchaseOrder.objects.values_list("state", "version")),
    )
    events = SecurityEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    after = (
        Signature.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.exclude(event_type="identity.security.alert").count(),
        list(PurchaseOrder.objects.values_list("state", "version")),
    )
    assert after == before, "a refused step wrote something"
    if logged:
        assert SecurityEvent.objects.count() > events, "the refusal was not security-logged"
    return caught.value


def test_qa_approves_a_submitted_order_by_signature(world, make_order, sign):
    order = submitted(world, make_order)
    order = services.approve_order(Actor.for_user(world.qa), order.pk, **sign(world.qa))
    assert order.state == "approved"
    sig = Signature.objects.get(record_type="procurement.purchaseorder", record_id=str(order.pk))
    assert (sig.meaning, sig.signer) == ("approved", world.qa)
    assert signatures.latest_valid(order, "approved")
    event = OutboxEvent.objects.get(event_type="procurement.po.approved")
    assert event.payload["signature_id"] == sig.pk
    assert (
        AuditEntry.objects.filter(
            record_type="procurement.purchaseorder", action="transition"
        ).count()
        == 2
    )


def test_submission_audits_the_step_and_emits_its_event(world, make_order):
    order = submitted(world, make_order)
    assert order.state == "submitted"
    assert OutboxEvent.objects.filter(event_type="procurement.po.submitted").exists()


def test_an_order_author_holding_approval_rights_still_cannot_approve_it(world, make_user, sign):
    both = make_user("both", "purchasing", "qa_manager", printed_name="Both 两者")
    both.secret = enrol_totp(both)
    order = services.create_order(
        Actor.for_user(both),
        supplier=world.supplier,
        lines=[{"product": world.lot_product, "quantity": "5", "unit_price": "1"}],
    )
    services.submit_order(Actor.for_user(both), order.pk)
    exc = refused(services.approve_order, Actor.for_user(both), order.pk, **sign(both))
    assert exc.code == "signatures.sod_author_cannot_approve"
    assert state(order) == "submitted"


def test_whoever_added_a_line_cannot_approve(world, make_order, make_user, sign):
    both = make_user("adder", "purchasing", "qa_manager", printed_name="Adder 加行人")
    both.secret = enrol_totp(both)
    order = make_order()
    services.add_line(
        Actor.for_user(both), order.pk, product=world.plain_product, quantity="2", unit_price="1"
    )
    services.submit_order(Actor.for_user(world.buyer), order.pk)
    exc = refused(services.approve_order, Actor.for_user(both), order.pk, **sign(both))
    assert exc.code == "signatures.sod_author_cannot_approve"
    assert services.approve_order(Actor.for_user(world.qa), order.pk, **sign(world.qa)).state == (
        "approved"
    )


def test_purchasing_cannot_approve(world, make_order, sign):
    order = submitted(world, make_order)
    exc = refused(
        services.approve_order, Actor.for_user(world.buyer), order.pk, **sign(world.buyer)
    )
    assert exc.code in ("permission_denied", "signatures.not_permitted")


def test_a_wrong_password_is_refused_and_security_logged(world, make_order):
    order = submitted(world, make_order)
    exc = refused(
        services.approve_order,
        Actor.for_user(world.qa),
        order.pk,
        password="wrong",
        totp=code(world.qa.secret),
    )
    assert exc.code.startswith("identity.")
    assert state(order) == "submitted"


def test_a_draft_cannot_be_approved(world, make_order, sign):
    order = make_order()
    exc = refused(
        services.approve_order, Actor.for_user(world.qa), order.pk, logged=False, **sign(world.qa)
    )
    assert exc.code == "workflow.wrong_state"


def test_rejection_needs_a_reason_and_sends_the_order_back_to_draft(world, make_order, sign):
    order = submitted(world, make_order)
    exc = refused(
        services.reject_order, Actor.for_user(world.qa), order.pk, reason="", **sign(world.qa)
    )
    assert exc.code in ("workflow.reason_required", "signatures.reason_required")
    order = services.reject_order(
        Actor.for_user(world.qa), order.pk, reason="price too high", **sign(world.qa)
    )
    assert order.state == "draft"
    assert Signature.objects.get(meaning="rejected").reason == "price too high"
    # Back in draft, purchasing may change it and submit again.
    services.change_line(
        Actor.for_user(world.buyer), order.lines.get().pk, reason="renegotiated", unit_price="1.2"
    )
    assert services.submit_order(Actor.for_user(world.buyer), order.pk).state == "submitted"


def test_a_changed_order_needs_a_new_approval_signature(world, make_order, sign):
    """The rejected order's content changed: the old signature does not cover it (11.70)."""
    order = submitted(world, make_order)
    services.reject_order(Actor.for_user(world.qa), order.pk, reason="qty", **sign(world.qa))
    services.change_line(
        Actor.for_user(world.buyer), order.lines.get().pk, reason="qty", quantity="50"
    )
    order = PurchaseOrder.objects.get(pk=order.pk)
    assert not signatures.latest_valid(order, "rejected")


def test_cancellation_needs_a_reason(world, approved_order):
    order = approved_order()
    exc = refused(
        services.cancel_order, Actor.for_user(world.buyer), order.pk, reason="", logged=False
    )
    assert exc.code == "workflow.reason_required"
    order = services.cancel_order(Actor.for_user(world.buyer), order.pk, reason="supplier out")
    assert order.state == "cancelled"
    assert OutboxEvent.objects.filter(event_type="procurement.po.cancelled").exists()


def test_an_order_with_goods_received_cannot_be_cancelled(world, approved_order):
    import datetime as dt

    order = approved_order()
    services.record_receipt(
        Actor.for_user(world.inspector),
        order.lines.get().pk,
        quantity="10",
        lot="L1",
        expiry_date=dt.date(2028, 1, 1),
        location=world.quarantine,
    )
    exc = refused(
        services.cancel_order, Actor.for_user(world.buyer), order.pk, reason="x", logged=False
    )
    assert exc.code == "workflow.wrong_state"


def test_the_signed_content_is_what_was_agreed(world, approved_order):
    from mederp.procurement.approval import order_content

    order = approved_order()
    content = order_content(order)
    assert content["supplier"]["code"] == world.supplier.code
    assert content["lines"] == [
        {
            "line_no": 1,
            "product": world.lot_product.code,
            "gtin": world.lot_product.gtin,
            "quantity": "100",
            "unit_price": "1.5",
        }
    ]
