"""Sales orders: creation as a draft, confirmation behind the customer and product gates,
cancellation (invariant 6; CN-03, CN-04, CN-05; 经营办法 第三十八条).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from mederp.catalog.models import Product, Tracking
from mederp.core import clock, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound, ValidationFailed
from mederp.core.numbering import next_number
from mederp.core.services import authorize, validate
from mederp.inventory import services as inventory
from mederp.inventory.errors import QuantityPrecision
from mederp.sales import events, gates, rules
from mederp.sales.errors import OrderHasNoLines, ProductRepeated, ShipToRequired
from mederp.sales.locks import lock_order
from mederp.sales.models import Allocation, SalesOrder, SalesOrderLine
from mederp.sales.review import ALLOCATE, CANCEL, CONFIRM, REVIEW, SHIP
from mederp.sales.services.common import (
    audit_changed,
    audit_created,
    emit,
    qty,
    resolve_customer,
    resolve_product,
)

MAX_LINES = 200


def order_payload(order: SalesOrder) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "customer_id": order.customer_id,
        "customer_code": order.customer.code,
        "ship_to_address": order.ship_to_address,
        "market": order.market,
        "currency": order.currency,
        "lines": [
            {
                "line_no": line.line_no,
                "product_id": line.product_id,
                "product_code": line.product.code,
                "gtin": line.product.gtin,
                "quantity": qty(line.quantity),
                "unit_price": str(line.unit_price),
            }
            for line in order.lines.select_related("product").order_by("line_no")
        ],
    }


def _lines(lines: Iterable[dict[str, Any]]) -> list[tuple[Product, Any, Any]]:
    """Each line's product, quantity and price, checked; refusals name the line's field."""
    items = list(lines)
    if not items:
        raise OrderHasNoLines(field="lines")
    if len(items) > MAX_LINES:
        raise ValidationFailed(fields={"lines": [f"at most {MAX_LINES} lines"]})
    checked: list[tuple[Product, Any, Any]] = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        where = f"lines.{i}"
        product = resolve_product(item.get("product"), field=f"{where}.product")
        quantity = rules.parse_quantity(item.get("quantity"), field=f"{where}.quantity")
        if product.tracking == Tracking.SERIAL and not rules.is_whole(quantity):
            raise QuantityPrecision(field=f"{where}.quantity", quantity=str(quantity), places=0)
        price = rules.parse_price(item.get("unit_price"), field=f"{where}.unit_price")
        if product.pk in seen:
            raise ProductRepeated(product=product.code, field=f"{where}.product")
        seen.add(product.pk)
        checked.append((product, quantity, price))
    return checked


@transaction.atomic
def create_order(
    actor: Actor,
    *,
    customer: Any,
    lines: Iterable[dict[str, Any]],
    ship_to_address: str = "",
    market: str = "CN",
    currency: str = "CNY",
    customer_reference: str = "",
    notes: str = "",
) -> SalesOrder:
    """A draft order for ``customer``; each line ``{"product", "quantity", "unit_price"}``
    (product by id, code or GTIN). The gates are judged at confirmation, not here: a draft may
    wait for a licence to be renewed. The delivery address defaults to the customer's."""
    authorize(actor, "sales.add_salesorder")
    partner = resolve_customer(customer)
    checked = _lines(lines)
    address = (ship_to_address or "").strip() or partner.address.strip()
    if not address:
        raise ShipToRequired(field="ship_to_address")
    order = SalesOrder(
        number="-",
        customer=partner,
        ship_to_address=address,
        market=(market or "").strip().upper(),
        currency=(currency or "").strip().upper(),
        customer_reference=(customer_reference or "").strip(),
        notes=(notes or "").strip(),
        created_at=clock.now(),
    )
    validate(order, exclude=["number"])
    order.number = next_number("SO")
    order.save(force_insert=True)
    audit_created(actor, order)
    for line_no, (product, quantity, price) in enumerate(checked, start=1):
        line = SalesOrderLine(
            order=order, line_no=line_no, product=product, quantity=quantity, unit_price=price
        )
        line.save(force_insert=True)
        audit_created(actor, line)
    emit(actor, order, events.ORDER_CREATED, order_payload(order))
    return order


def _products(order: SalesOrder) -> list[Product]:
    return [
        line.product
        for line in order.lines.select_related("product").prefetch_related("product__registrations")
    ]


def check_gates(order: SalesOrder) -> None:
    """Invariant 6: the customer may buy, and each product may be sold, today."""
    customer = type(order.customer).objects.prefetch_related("documents").get(pk=order.customer_id)
    gates.check(customer, _products(order), order.market)


@transaction.atomic
def confirm_order(actor: Actor, order_id: int, *, reason: str = "") -> SalesOrder:
    """Confirm a draft: refused, naming the blocking document, unless the customer is qualified
    with a licence in force covering every product's category and every product is approved
    with a registration in force for the market (CN-03, CN-04, CN-05)."""
    order = lock_order(order_id)
    workflow.check(actor, order, CONFIRM)
    check_gates(order)
    workflow.transition(actor, order, CONFIRM, reason=reason)
    return order


def _release_allocations(actor: Actor, order: SalesOrder, reason: str) -> None:
    """Give back every open allocation's reservation, in balance-key order (docs/ledger.md:
    several ledger writes in one transaction go in a deterministic order)."""
    open_allocations = sorted(
        Allocation.objects.filter(line__order=order, cancelled_at__isnull=True),
        key=lambda a: (a.product_id, a.lot_id or 0, a.serial_id or 0, a.location_id),
    )
    now = clock.now()
    for allocation in open_allocations:
        remaining = allocation.quantity - allocation.shipped_quantity
        if remaining > 0:
            inventory.release_reservation(actor, allocation.reservation_id, reason=reason)
        allocation.cancelled_at = now
        allocation.version += 1
        allocation.save(update_fields=["cancelled_at", "version"])
        audit_changed(actor, allocation, {"cancelled_at": [None, now]}, reason=reason)


@transaction.atomic
def cancel_order(actor: Actor, order_id: int, *, reason: str) -> SalesOrder:
    """Cancel an order not yet shipped, with a reason; its reserved stock is free again."""
    order = lock_order(order_id)
    t = workflow.check(actor, order, CANCEL)
    if not (reason or "").strip():
        raise workflow.TransitionReasonRequired(transition=str(t.label), field="reason")
    _release_allocations(actor, order, reason.strip())
    workflow.transition(actor, order, CANCEL, reason=reason)
    return order


def transition_order(
    actor: Actor,
    order_id: int,
    name: str,
    *,
    reason: str = "",
    password: str | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    around: Callable[[Callable[[], SalesOrder]], Any] | None = None,
) -> Any:
    """One workflow step by name, as the order page's buttons and the API call them; each step
    is its own use case (``around`` is the API's idempotency guard)."""
    from mederp.sales.services.allocation import allocate_order
    from mederp.sales.services.shipping import review_order, ship_order

    if name == REVIEW:
        return review_order(
            actor,
            order_id,
            password=password or "",
            totp=totp,
            reason=reason,
            session_key=session_key,
            around=around,
        )
    steps: dict[str, Callable[[], SalesOrder]] = {
        CONFIRM: lambda: confirm_order(actor, order_id, reason=reason),
        ALLOCATE: lambda: allocate_order(actor, order_id),
        SHIP: lambda: ship_order(actor, order_id),
        CANCEL: lambda: cancel_order(actor, order_id, reason=reason),
    }
    step = steps.get(name)
    if step is None:
        raise NotFound(record_type="transition", record_id=name)
    return step() if around is None else around(step)
