"""Purchase order approval by electronic signature (经营办法 第三十一条; ES-12; 21 CFR 11.50,
11.70) and the order's life after it: received in parts, received, or cancelled.

Code, versioned in git (AT-13), registered at start-up (``ProcurementConfig.ready``). The
signed content is what was agreed with the supplier: number, supplier, market, currency,
expected date and every line's product, quantity and price. Received quantities are not
content: receiving does not change what was approved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import signatures, workflow
from mederp.core.signing_rules import AuthorCannotSign
from mederp.procurement import events
from mederp.procurement.models import OrderState, PurchaseOrder, PurchaseOrderLine

ORDER = "procurement.purchaseorder"
LINE = "procurement.purchaseorderline"
APPROVE_PERMISSION = "procurement.approve_purchaseorder"
CHANGE_PERMISSION = "procurement.change_purchaseorder"

SUBMIT, APPROVE, REJECT, CANCEL = "submit", "approve", "reject", "cancel"
RECEIVE_PART, RECEIVE_ALL = "receive_partially", "receive_fully"
#: The steps the master-data gates guard (besides every receipt).
GATED = frozenset({SUBMIT, APPROVE})


def _number(value: Any) -> str:
    return format(value.normalize(), "f")


def order_content(order: models.Model) -> dict[str, Any]:
    assert isinstance(order, PurchaseOrder)
    return {
        "number": order.number,
        "supplier": {"id": order.supplier_id, "code": order.supplier.code},
        "market": order.market,
        "currency": order.currency,
        "expected_date": order.expected_date.isoformat() if order.expected_date else None,
        "lines": [
            {
                "line_no": line.line_no,
                "product": line.product.code,
                "gtin": line.product.gtin,
                "quantity": _number(line.quantity),
                "unit_price": _number(line.unit_price),
            }
            for line in order.lines.select_related("product").order_by("line_no")
        ],
    }


def order_parts(order: models.Model) -> Iterable[tuple[str, Any]]:
    """The order and its lines: whoever wrote any of them authored what is approved."""
    yield ORDER, order.pk
    for pk in PurchaseOrderLine.objects.filter(order_id=order.pk).values_list("pk", flat=True):
        yield LINE, pk


POLICY = signatures.SigningPolicy(
    record_type=ORDER,
    meanings={"approved": APPROVE_PERMISSION, "rejected": APPROVE_PERMISSION},
    content=order_content,
    parts=order_parts,
    rules=(AuthorCannotSign(meanings=frozenset({"approved"})),),
    description=_("Purchase orders: the supplier, market, products, quantities and prices."),
)

WORKFLOW = workflow.Workflow(
    record_type=ORDER,
    state_field="state",
    states=tuple((s.value, s.label) for s in OrderState),
    initial=OrderState.DRAFT,
    description=_(
        "A purchase order is sent to the supplier only once approved by a signature; the "
        "supplier's qualification and licence scope and each product's approval and "
        "registration are checked at submission, at approval and at every receipt."
    ),
    transitions=(
        workflow.Transition(
            name=SUBMIT,
            sources=(OrderState.DRAFT,),
            target=OrderState.SUBMITTED,
            permission=CHANGE_PERMISSION,
            label=_("Submit for approval"),
            event=events.PO_SUBMITTED,
        ),
        workflow.Transition(
            name=APPROVE,
            sources=(OrderState.SUBMITTED,),
            target=OrderState.APPROVED,
            permission=APPROVE_PERMISSION,
            signature="approved",
            label=_("Approve"),
            event=events.PO_APPROVED,
        ),
        workflow.Transition(
            name=REJECT,
            sources=(OrderState.SUBMITTED,),
            target=OrderState.DRAFT,
            permission=APPROVE_PERMISSION,
            signature="rejected",
            reason_required=True,
            label=_("Reject"),
            event=events.PO_REJECTED,
        ),
        workflow.Transition(
            name=CANCEL,
            sources=(OrderState.DRAFT, OrderState.SUBMITTED, OrderState.APPROVED),
            target=OrderState.CANCELLED,
            permission=CHANGE_PERMISSION,
            reason_required=True,
            label=_("Cancel order"),
            event=events.PO_CANCELLED,
        ),
        workflow.Transition(
            name=RECEIVE_PART,
            sources=(OrderState.APPROVED,),
            target=OrderState.PARTIALLY_RECEIVED,
            permission=None,
            label=_("Partly received"),
            event=events.PO_PARTIALLY_RECEIVED,
            automatic=True,
        ),
        workflow.Transition(
            name=RECEIVE_ALL,
            sources=(OrderState.APPROVED, OrderState.PARTIALLY_RECEIVED),
            target=OrderState.RECEIVED,
            permission=None,
            label=_("Fully received"),
            event=events.PO_RECEIVED,
            automatic=True,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
