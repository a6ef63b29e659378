"""Purchase orders: create a draft with its lines, change it while it is a draft, and move it
through its workflow (submit, approve by signature, reject, cancel; :mod:`..approval`).

Submission and approval pass the master-data gates (:mod:`..gates`) twice: before the signer
re-authenticates (a blocked order costs no password attempt and leaves no security-log record),
and again under the order's lock inside the transaction that changes its state.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mederp.catalog.models import Jurisdiction, Product, Tracking
from mederp.core import audit, canonical, clock, outbox, workflow
from mederp.core.actors import Actor
from mederp.core.errors import DomainError, NotFound, field_errors
from mederp.core.numbering import next_number
from mederp.core.services import authorize, check_version, created, updated
from mederp.inventory.rules import parse_quantity
from mederp.partners.models import Partner
from mederp.procurement import approval, events, gates, rules
from mederp.procurement.errors import (
    CurrencyInvalid,
    NotASupplier,
    OrderEmpty,
    OrderNotEditable,
    QuantityNotWhole,
    UnitPriceInvalid,
)
from mederp.procurement.locks import lock_line, lock_order
from mederp.procurement.models import OrderState, PurchaseOrder, PurchaseOrderLine

ORDER_PREFIX = "PO"
HEADER_FIELDS = ("supplier", "market", "currency", "expected_date", "notes")
QUANTITY_SCALE = Decimal("0.000001")
PRICE_SCALE = Decimal("0.0001")
_CURRENCY = re.compile(r"[A-Z]{3}")

Around = Callable[[Callable[[], PurchaseOrder]], Any]


# --- input ------------------------------------------------------------------------------------


def _supplier(value: Any) -> Partner:
    pk = value.pk if isinstance(value, Partner) else value
    found = None
    if isinstance(pk, int) and not isinstance(pk, bool):
        found = Partner.objects.filter(pk=pk).first()
    elif isinstance(pk, str) and pk.strip():
        found = Partner.objects.filter(code=pk.strip().upper()).first()
    if found is None:
        raise field_errors({"supplier": [_("There is no such partner.")]})
    if not found.is_supplier:
        raise NotASupplier(supplier=str(found), field="supplier")
    return found


def _product(value: Any, field: str) -> Product:
    pk = value.pk if isinstance(value, Product) else value
    found = None
    if isinstance(pk, int) and not isinstance(pk, bool):
        found = Product.objects.filter(pk=pk).first()
    elif isinstance(pk, str) and pk.strip():
        found = Product.objects.filter(code=pk.strip().upper()).first()
    if found is None:
        raise field_errors({field: [_("There is no such product.")]})
    return found


def _quantity(value: Any, product: Product, field: str) -> Decimal:
    quantity = parse_quantity(value, field)
    if product.tracking == Tracking.SERIAL and not rules.is_whole(quantity):
        raise QuantityNotWhole(product=product.code, field=field)
    return quantity.quantize(QUANTITY_SCALE)


def _price(value: Any, field: str) -> Decimal:
    price = rules.parse_price(value)
    if price is None:
        raise UnitPriceInvalid(field=field)
    return price.quantize(PRICE_SCALE)


def _header(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "supplier" in values:
        out["supplier"] = _supplier(values["supplier"])
    if "market" in values:
        market = str(values["market"] or "").strip().upper()
        if market not in Jurisdiction.values:
            raise field_errors({"market": [_("Choose a market from the list.")]})
        out["market"] = market
    if "currency" in values:
        currency = str(values["currency"] or "").strip().upper()
        if not _CURRENCY.fullmatch(currency):
            raise CurrencyInvalid(value=currency, field="currency")
        out["currency"] = currency
    if "expected_date" in values:
        expected = values["expected_date"]
        if expected is not None and not isinstance(expected, dt.date):
            raise field_errors({"expected_date": [_("Enter a date.")]})
        out["expected_date"] = expected
    if "notes" in values:
        out["notes"] = str(values["notes"] or "").strip()
    return out


def _line_values(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    unknown = sorted(set(values) - {"product", "quantity", "unit_price"})
    if unknown:
        raise field_errors({f"{prefix}{k}": [_("Unknown field.")] for k in unknown})
    product = _product(values.get("product"), f"{prefix}product")
    return {
        "product": product,
        "quantity": _quantity(values.get("quantity"), product, f"{prefix}quantity"),
        "unit_price": _price(values.get("unit_price"), f"{prefix}unit_price"),
    }


def order_payload(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "supplier_id": order.supplier_id,
        "market": order.market,
        "currency": order.currency,
        "expected_date": order.expected_date,
        "state": order.state,
        "lines": [line_payload(line) for line in order.lines.order_by("line_no")],
    }


def line_payload(line: PurchaseOrderLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "order_id": line.order_id,
        "line_no": line.line_no,
        "product_id": line.product_id,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
    }


# --- the draft --------------------------------------------------------------------------------


def _editable(order: PurchaseOrder) -> None:
    if order.state != OrderState.DRAFT:
        raise OrderNotEditable(order=order.number, state=order.get_state_display())


@transaction.atomic
def create_order(
    actor: Actor,
    *,
    supplier: Any,
    lines: Iterable[Mapping[str, Any]] = (),
    market: str = Jurisdiction.CN,
    currency: str = "CNY",
    expected_date: dt.date | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """A draft purchase order with its lines (``product``, ``quantity``, ``unit_price`` each).

    ``supplier`` and each ``product`` are instances, ids or codes. The gates are not judged
    yet: a draft may wait for a qualification in progress; submission will judge them."""
    authorize(actor, "procurement.add_purchaseorder")
    header = _header(
        {
            "supplier": supplier,
            "market": market,
            "currency": currency,
            "expected_date": expected_date,
            "notes": notes,
        }
    )
    parsed = [_line_values(values, f"lines.{i}.") for i, values in enumerate(lines)]
    order = PurchaseOrder(number=next_number(ORDER_PREFIX), created_at=clock.now(), **header)
    order.save()
    for line_no, values in enumerate(parsed, start=1):
        line = PurchaseOrderLine.objects.create(order=order, line_no=line_no, **values)
        audit.record_create(actor, line)
    created(actor, order, events.PO_CREATED, order_payload(order))
    return order


@transaction.atomic
def change_order(
    actor: Actor,
    order_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> PurchaseOrder:
    """Change a draft's supplier, market, currency, expected date or notes (AT-04: reason)."""
    authorize(actor, "procurement.change_purchaseorder")
    unknown = sorted(set(changes) - set(HEADER_FIELDS))
    if unknown:
        raise field_errors({k: [_("Unknown field.")] for k in unknown})
    order = lock_order(order_id)
    check_version(order, expected_version)
    _editable(order)
    before = canonical.snapshot(order)
    for name, value in _header(changes).items():
        setattr(order, name, value)
    if canonical.diff(before, canonical.snapshot(order)):
        order.version += 1
        order.save()
        updated(actor, order, before, events.PO_CHANGED, order_payload(order), reason=reason)
    return order


@transaction.atomic
def add_line(
    actor: Actor, order_id: int, *, product: Any, quantity: Any, unit_price: Any
) -> PurchaseOrderLine:
    authorize(actor, "procurement.change_purchaseorder")
    order = lock_order(order_id)
    _editable(order)
    values = _line_values({"product": product, "quantity": quantity, "unit_price": unit_price}, "")
    last = order.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    line = PurchaseOrderLine.objects.create(order=order, line_no=last + 1, **values)
    order.version += 1
    order.save(update_fields=["version"])
    created(actor, line, events.PO_LINE_ADDED, line_payload(line), aggregate=order)
    return line


@transaction.atomic
def change_line(
    actor: Actor,
    line_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> PurchaseOrderLine:
    """Change a draft line's product, quantity or unit price (AT-04: reason)."""
    authorize(actor, "procurement.change_purchaseorder")
    order, line = lock_line(line_id)
    check_version(line, expected_version)
    _editable(order)
    merged = {
        "product": line.product,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        **changes,
    }
    values = _line_values(merged, "")
    before = canonical.snapshot(line)
    for name, value in values.items():
        setattr(line, name, value)
    if canonical.diff(before, canonical.snapshot(line)):
        line.version += 1
        line.save()
        order.version += 1
        order.save(update_fields=["version"])
        updated(
            actor,
            line,
            before,
            events.PO_LINE_CHANGED,
            line_payload(line),
            reason=reason,
            aggregate=order,
        )
    return line


@transaction.atomic
def remove_line(actor: Actor, line_id: int, *, reason: str) -> PurchaseOrder:
    """Remove a line from a draft (AT-04: reason; the audit trail keeps what it was)."""
    authorize(actor, "procurement.change_purchaseorder")
    order, line = lock_line(line_id)
    _editable(order)
    payload = line_payload(line)
    audit.record(
        actor,
        action=audit.DELETE,
        instance=line,
        changes=canonical.diff(canonical.snapshot(line), {}),
        reason=reason,
    )
    line.delete()
    order.version += 1
    order.save(update_fields=["version"])
    outbox.emit(
        actor,
        events.PO_LINE_REMOVED,
        aggregate_type=approval.ORDER,
        aggregate_id=order.pk,
        payload={**payload, "reason": reason},
    )
    return order


# --- the workflow -----------------------------------------------------------------------------


def _read(order_id: int) -> PurchaseOrder:
    order = PurchaseOrder.objects.select_related("supplier").filter(pk=order_id).first()
    if order is None:
        raise NotFound(record_type="PurchaseOrder", record_id=order_id)
    return order


def _possible(actor: Actor, order: PurchaseOrder, name: str) -> bool:
    try:
        workflow.check(actor, order, name)
    except DomainError:
        return False
    return True


def check_gates(order: PurchaseOrder) -> None:
    """The order's lines exist and pass every master-data gate (raises the first refusal)."""
    products = [
        line.product
        for line in order.lines.select_related("product").prefetch_related("product__registrations")
    ]
    if not products:
        raise OrderEmpty(order=order.number)
    gates.check(order.supplier, products, order.market)


def transition_order(
    actor: Actor,
    order_id: int,
    name: str,
    *,
    reason: str = "",
    password: str | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """Apply workflow transition ``name`` (submit, approve, reject, cancel) to an order.

    Returns the order, or what ``around`` returned. Approval and rejection are signed:
    ``password`` (and ``totp`` when the session requires it)."""
    gated = name in approval.GATED
    credentials = (
        workflow.Credentials(password=password, totp=totp, session_key=session_key)
        if password is not None
        else None
    )

    def load() -> PurchaseOrder:
        order = _read(order_id)
        # A step the actor may not take, or not now, is refused by the workflow itself (and,
        # for a signature, security-logged); the gates speak only to a step that could happen.
        if gated and _possible(actor, order, name):
            check_gates(order)
        return order

    def lock() -> PurchaseOrder:
        order = lock_order(order_id)
        if gated:
            check_gates(order)
        return order

    return workflow.perform(
        actor,
        name,
        load=load,
        lock=lock,
        reason=reason,
        credentials=credentials,
        around=around,
    )


def submit_order(actor: Actor, order_id: int, *, reason: str = "") -> PurchaseOrder:
    """Send a draft to approval; refused unless every gate passes."""
    result: PurchaseOrder = transition_order(actor, order_id, approval.SUBMIT, reason=reason)
    return result


def approve_order(
    actor: Actor,
    order_id: int,
    *,
    password: str,
    totp: str | None = None,
    reason: str = "",
    session_key: str | None = None,
) -> PurchaseOrder:
    """Approve a submitted order by signing it "approved" (11.50). Whoever created or changed
    it may not (segregation of duties); the gates are judged again."""
    result: PurchaseOrder = transition_order(
        actor,
        order_id,
        approval.APPROVE,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def reject_order(
    actor: Actor,
    order_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
) -> PurchaseOrder:
    """Send a submitted order back to draft, signed "rejected" with a reason."""
    result: PurchaseOrder = transition_order(
        actor,
        order_id,
        approval.REJECT,
        reason=reason,
        password=password,
        totp=totp,
        session_key=session_key,
    )
    return result


def cancel_order(actor: Actor, order_id: int, *, reason: str) -> PurchaseOrder:
    """Cancel an order that nothing was received on yet (reason required)."""
    result: PurchaseOrder = transition_order(actor, order_id, approval.CANCEL, reason=reason)
    return result
