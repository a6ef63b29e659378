"""Stock status by QA decision (issue 4 §2, §4; TR-04; ES-04, ES-12, ES-13).

QA releases or rejects a quarantined lot by electronic signature, never the inspector who
accepted it at receipt; only released stock is available. Every refusal of a signature writes
nothing but its security-log record.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.inventory.conftest import Stock, receive_lot
from tests.signing_support import PASSWORD, code, later

from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity.models import SecurityEvent
from mederp.inventory import selectors, services
from mederp.inventory.models import Lot


@pytest.fixture
def inspector(person: Any) -> Any:
    return person("inspector", "qa_manager")


@pytest.fixture
def qa(person: Any) -> Any:
    return person("qa", "qa_manager")


@pytest.fixture
def lot(stock: Stock, admin: Any, inspector: Any) -> Lot:
    move = receive_lot(stock, admin, "10", inspector=inspector)
    return Lot.objects.get(pk=move.lot_id)


def sign_release(user: Any, lot: Lot, **kw: Any) -> Lot:
    kw.setdefault("totp", code(user.secret))
    return services.release_lot(user.actor, lot.pk, password=PASSWORD, **kw)


def snapshot() -> tuple[Any, ...]:
    return (
        Signature.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
        list(Lot.objects.values_list("status", "version")),
    )


def refused(fn: Any, *args: Any, **kwargs: Any) -> DomainError:
    before, logged = snapshot(), SecurityEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert snapshot() == before, "a refused signature wrote something"
    assert SecurityEvent.objects.count() > logged, "the refusal was not security-logged"
    return exc.value


def test_receipt_records_the_inspector_and_the_lot_waits_in_quarantine(
    lot: Lot, inspector: Any, stock: Stock
) -> None:
    assert lot.status == "quarantine" and lot.inspected_by_id == inspector.pk
    assert selectors.available_lots_fefo(stock.lot_product) == []


def test_qa_releases_by_signature_and_the_stock_becomes_available_after_putaway(
    lot: Lot, qa: Any, stock: Stock, admin: Any
) -> None:
    """TR-04, ES-04: the release is signed on the lot's content; putaway is a transfer."""
    released = sign_release(qa, lot)
    assert released.status == "released"
    sig = Signature.objects.get(record_type="inventory.lot", record_id=str(lot.pk))
    assert sig.meaning == "released" and sig.signer_id == qa.pk
    assert OutboxEvent.objects.filter(event_type="inventory.lot.released").exists()
    services.transfer(
        admin,
        product=stock.lot_product,
        lot=lot,
        quantity=10,
        from_location=stock.quarantine,
        to_location=stock.storage,
    )
    assert [r.lot_number for r in selectors.available_lots_fefo(stock.lot_product)] == ["L1"]


def test_a_new_delivery_of_a_released_lot_puts_the_lot_back_into_quarantine(
    lot: Lot, qa: Any, stock: Stock, admin: Any, person: Any
) -> None:
    """GSP acceptance and QA release are per delivery (TR-04): more of an already released lot
    cannot reach a shelf on the earlier release; its inspector cannot release it again."""
    sign_release(qa, lot)
    services.transfer(
        admin,
        product=stock.lot_product,
        lot=lot,
        quantity=10,
        from_location=stock.quarantine,
        to_location=stock.storage,
    )
    second_inspector = person("inspector2", "qa_manager")
    receive_lot(stock, admin, "5", inspector=second_inspector, document_id="R-2")
    lot.refresh_from_db()
    assert lot.status == "quarantine" and lot.inspected_by_id == second_inspector.pk
    assert selectors.available_lots_fefo(stock.lot_product) == []
    assert OutboxEvent.objects.filter(event_type="inventory.lot.requarantined").count() == 1
    entry = AuditEntry.objects.filter(action="transition", record_type="inventory.lot").last()
    assert entry is not None and "R-2" in entry.reason
    later()
    exc = refused(sign_release, second_inspector, lot)
    assert exc.code.startswith("signatures.")
    later()
    assert sign_release(qa, lot).status == "released"


def test_the_inspector_cannot_release_what_they_accepted(lot: Lot, inspector: Any) -> None:
    """GSP: acceptance and release by different people (segregation of duties, ES-12)."""
    exc = refused(sign_release, inspector, lot)
    assert exc.code == "signatures.sod_excluded_signer"


def test_a_wrong_password_is_refused_and_security_logged(lot: Lot, qa: Any) -> None:
    exc = refused(services.release_lot, qa.actor, lot.pk, password="wrong", totp="000000")
    assert exc.code == "identity.invalid_credentials"


def test_warehouse_staff_cannot_release(lot: Lot, person: Any) -> None:
    clerk = person("clerk", "warehouse")
    exc = refused(sign_release, clerk, lot)
    assert exc.code in {"permission_denied", "signatures.not_permitted"}


def test_reject_needs_a_reason_and_blocks_the_lot(lot: Lot, qa: Any) -> None:
    with pytest.raises(DomainError) as exc:
        services.reject_lot(qa.actor, lot.pk, password=PASSWORD, totp=code(qa.secret), reason="")
    assert exc.value.code in {"workflow.reason_required", "signatures.reason_required"}
    later()
    rejected = services.reject_lot(
        qa.actor, lot.pk, password=PASSWORD, totp=code(qa.secret), reason="damaged packaging"
    )
    assert rejected.status == "rejected"
    later()
    exc2 = refused(sign_release, qa, lot)
    assert exc2.code == "workflow.wrong_state"


def test_hold_and_release_again_recall_blocks(lot: Lot, qa: Any, stock: Stock, admin: Any) -> None:
    sign_release(qa, lot)
    services.transfer(
        admin,
        product=stock.lot_product,
        lot=lot,
        quantity=4,
        from_location=stock.quarantine,
        to_location=stock.storage,
    )
    held = services.hold_lot(qa.actor, lot.pk, reason="customer complaint 2026-17")
    assert held.status == "on_hold"
    assert selectors.available_lots_fefo(stock.lot_product) == []
    with pytest.raises(DomainError) as exc:  # nothing on hold leaves for a customer
        services.post_move(
            admin,
            product=stock.lot_product,
            lot=lot,
            quantity=1,
            from_location=stock.storage,
            to_location=stock.customer,
            document_type="sales.shipment",
            document_id="S-1",
        )
    assert exc.value.code == "inventory.stock_not_released"
    later()
    sign_release(qa, lot, reason="complaint unfounded")
    assert selectors.available_quantity(stock.lot_product) == 4
    recalled = services.recall_lot(qa.actor, lot.pk, reason="FSCA 2026-03")
    assert recalled.status == "recalled"
    assert selectors.available_quantity(stock.lot_product) == 0


def test_expired_is_computed_not_stored(lot: Lot) -> None:
    import datetime as dt

    assert lot.expiry_date is not None
    assert selectors.effective_status(lot) == "quarantine"
    after = lot.expiry_date + dt.timedelta(days=1)
    assert selectors.effective_status(lot, after) == "expired"
    assert Lot.objects.get(pk=lot.pk).status == "quarantine"
