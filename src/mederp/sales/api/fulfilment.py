"""The order's workflow steps: confirm (gates), allocate (FEFO), pick by scan, the signed
outbound review, ship, cancel. Every POST takes an Idempotency-Key; a retry replays the first
answer. The review takes the reviewer's credentials (``SignIn``), never a signature id (ES-04);
its re-authentication runs outside the idempotency guard so a refused password leaves its
security-log record, and the fingerprint holds the reason, never a secret."""

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, run_idempotent
from mederp.core.schemas import ERRORS, SignIn, StrictIn, TransitionIn
from mederp.sales import selectors, services
from mederp.sales.api.common import Exact, already_answered, decimal_text, router, session_key
from mederp.sales.api.orders import SalesOrderDetailOut, SalesPickOut, detail_json, load_order
from mederp.sales.review import ALLOCATE, CANCEL, CONFIRM, SHIP


class PickIn(StrictIn):
    scan: str = Field(
        min_length=1,
        max_length=500,
        description="The label as scanned: GS1 element string (group separator as ASCII 29, "
        '"<GS>", "{GS}" or "\\x1d"), the parenthesised form, a Digital Link or HIBC',
    )
    quantity: Exact = Field(default=1)
    allocation_id: int | None = Field(
        default=None, description="Compare the scan with this allocation only"
    )


class PickCreatedOut(Schema):
    pick: SalesPickOut
    order: SalesOrderDetailOut


class ShipIn(StrictIn):
    carrier: str = Field(default="", max_length=100)
    tracking_number: str = Field(default="", max_length=64)


class CancelIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)


def _fingerprint(name: str, payload: Any) -> dict[str, Any]:
    return {"transition": name, **payload.model_dump(mode="json")}


def _then_detail(order_id: int, work: Any) -> Any:
    """The step, answered with the order as it is afterwards."""

    def execute() -> tuple[int, Any]:
        work()
        return 200, detail_json(order_id)

    return execute


@router.post("/orders/{order_id}/confirm", response={200: SalesOrderDetailOut, **ERRORS})
@require_perm("sales.confirm_salesorder")
def confirm_order(request: HttpRequest, order_id: int, payload: TransitionIn) -> Any:
    """Confirm a draft. Refused (409) naming the blocking document: the customer's licence
    expired, not yet valid or not covering a product's category (``sales.customer_*``), the
    customer not qualified or blocked, a product not approved or its registration lapsed."""
    actor = Actor.from_request(request)
    return run_idempotent(
        request,
        _fingerprint(CONFIRM, payload),
        _then_detail(
            order_id, lambda: services.confirm_order(actor, order_id, reason=payload.reason)
        ),
    )


@router.post("/orders/{order_id}/allocate", response={200: SalesOrderDetailOut, **ERRORS})
@require_perm("sales.allocate_salesorder")
def allocate_order(request: HttpRequest, order_id: int, payload: TransitionIn) -> Any:
    """Allocate every line by FEFO, reserving the stock; all lines or none. Refused (409):
    ``sales.not_enough_stock``, ``sales.shelf_life_too_short`` (naming the lot)."""
    actor = Actor.from_request(request)
    return run_idempotent(
        request,
        _fingerprint(ALLOCATE, payload),
        _then_detail(order_id, lambda: services.allocate_order(actor, order_id)),
    )


@router.post("/orders/{order_id}/picks", response={201: PickCreatedOut, **ERRORS})
@require_perm("sales.pick_salesorder")
def pick(request: HttpRequest, order_id: int, payload: PickIn) -> Any:
    """Confirm a pick by scan. Refused: ``sales.wrong_gtin``, ``sales.wrong_lot``,
    ``sales.wrong_serial`` (the scan is not the allocated unit), ``sales.lot_not_scanned``,
    ``sales.pick_exceeds_allocation``, ``barcodes.*`` (an unreadable scan), quantity codes."""

    def execute() -> tuple[int, Any]:
        done = services.pick_by_scan(
            Actor.from_request(request),
            order_id,
            scan=payload.scan,
            quantity=payload.quantity,
            allocation_id=payload.allocation_id,
        )
        body = {
            "pick": SalesPickOut.model_validate(
                {
                    "id": done.pk,
                    "allocation_id": done.allocation_id,
                    "quantity": decimal_text(done.quantity),
                    "gtin": done.gtin,
                    "lot_number": done.lot_number,
                    "serial_number": done.serial_number,
                    "scan_raw": done.scan_raw,
                    "picked_by": done.picked_by_name,
                    "picked_at": done.picked_at,
                }
            ).model_dump(mode="json"),
            "order": detail_json(order_id),
        }
        return 201, body

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/orders/{order_id}/review", response={200: SalesOrderDetailOut, **ERRORS})
@require_perm("sales.review_salesorder")
def review_order(request: HttpRequest, order_id: int, payload: SignIn) -> Any:
    """The outbound review (出库复核), signed ``reviewed`` by someone who picked nothing of the
    order (403 ``sales.sod_reviewer_is_picker``). A Bearer API key is refused 403
    ``identity.not_a_person``: a signature is a person's."""
    fingerprint = {"transition": "review", "reason": payload.reason}
    if answered(request):
        return run_idempotent(request, fingerprint, already_answered)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            work()
            return 200, detail_json(order_id)

        return run_idempotent(request, fingerprint, execute)

    return services.review_order(
        Actor.from_request(request),
        order_id,
        password=payload.password,
        totp=payload.totp,
        reason=payload.reason,
        session_key=session_key(request),
        around=guarded,
    )


@router.post("/orders/{order_id}/ship", response={200: SalesOrderDetailOut, **ERRORS})
@require_perm("sales.ship_salesorder")
def ship_order(request: HttpRequest, order_id: int, payload: ShipIn) -> Any:
    """Ship a reviewed order: gates judged again, one ledger move per allocation to the
    customer location, one distribution record each."""
    actor = Actor.from_request(request)
    return run_idempotent(
        request,
        _fingerprint(SHIP, payload),
        _then_detail(
            order_id,
            lambda: services.ship_order(
                actor, order_id, carrier=payload.carrier, tracking_number=payload.tracking_number
            ),
        ),
    )


@router.post("/orders/{order_id}/cancel", response={200: SalesOrderDetailOut, **ERRORS})
@require_perm("sales.cancel_salesorder")
def cancel_order(request: HttpRequest, order_id: int, payload: CancelIn) -> Any:
    """Cancel an order not yet shipped; its reserved stock is free again."""
    actor = Actor.from_request(request)
    return run_idempotent(
        request,
        _fingerprint(CANCEL, payload),
        _then_detail(
            order_id, lambda: services.cancel_order(actor, order_id, reason=payload.reason)
        ),
    )


class HistoryEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_name: str
    action: str
    record_type: str
    record_id: str
    changes: dict[str, Any]
    reason: str

    @staticmethod
    def resolve_changes(obj: Any) -> dict[str, Any]:
        return dict(json.loads(obj.changes))


@router.get("/orders/{order_id}/history", response={200: list[HistoryEntryOut], **ERRORS})
@require_perm("sales.view_salesorder")
def order_history(request: HttpRequest, order_id: int) -> Any:
    """Who did what, when and why: the order, its lines, allocations, picks, shipment and
    distribution records, newest first."""
    return selectors.order_history(load_order(order_id))
