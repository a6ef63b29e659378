"""The sales order workflow and the outbound review's signature (出库复核; 经营质量管理规范
出库复核; ISO 13485 §7.5.1; 21 CFR 11.50, 11.70; ES-12).

Code, versioned in git, registered at start-up (``SalesConfig.ready``; AT-13). The services do
the work of each step (gates, FEFO allocation, moves) and apply the transition in the same
transaction; picking completes by itself when the last allocation is scanned.

The review is signed with meaning ``reviewed`` by someone who picked nothing of the order
(segregation of duties, :class:`ReviewerNotPicker`). The signed content is what leaves: the
customer and address, every line, and every allocation with its lot or serial, location and
picked quantity. A change after the review (a new allocation, another pick) leaves the signature
invalid and the shipment refused until someone reviews again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.core.signing_rules import SigningAttempt
from mederp.inventory.rules import normal
from mederp.sales import events
from mederp.sales.errors import ReviewerIsPicker
from mederp.sales.models import OrderStatus, Pick, SalesOrder

ORDER = "sales.salesorder"
REVIEWED = "reviewed"
REVIEW_PERMISSION = "sales.review_salesorder"

CONFIRM, ALLOCATE, PICK, REVIEW, SHIP, CANCEL = (
    "confirm",
    "allocate",
    "pick",
    "review",
    "ship",
    "cancel",
)
S = OrderStatus


def order_content(order: models.Model) -> dict[str, Any]:
    """What the outbound review signs: who gets what, from which lot, serial and place."""
    assert isinstance(order, SalesOrder)
    content = canonical.snapshot(order, fields=["number", "ship_to_address", "market"])
    content["customer"] = order.customer.code
    lines = []
    for line in order.lines.select_related("product").order_by("line_no"):
        allocations = [
            {
                "lot": a.lot.number if a.lot is not None else None,
                "serial": a.serial.serial_number if a.serial is not None else None,
                "location": a.location.code,
                "quantity": str(normal(a.quantity)),
                "picked": str(normal(a.picked_quantity)),
            }
            for a in line.allocations.filter(cancelled_at__isnull=True)
            .select_related("lot", "serial", "location")
            .order_by("id")
        ]
        lines.append(
            {
                "line_no": line.line_no,
                "gtin": line.product.gtin,
                "quantity": str(normal(line.quantity)),
                "allocations": allocations,
            }
        )
    content["lines"] = lines
    return content


def pickers(order: SalesOrder) -> set[int]:
    return set(
        Pick.objects.filter(allocation__line__order=order, picked_by__isnull=False).values_list(
            "picked_by_id", flat=True
        )
    )


@dataclass(frozen=True)
class ReviewerNotPicker:
    """出库复核: the second person is not one who picked (segregation of duties)."""

    meanings: frozenset[str] = frozenset({REVIEWED})

    def applies_to(self, meaning: str) -> bool:
        return meaning in self.meanings

    def check(self, attempt: SigningAttempt) -> None:
        order = attempt.record
        assert isinstance(order, SalesOrder)
        if attempt.signer.pk in pickers(order):
            raise ReviewerIsPicker(order=order.number, field="reviewer")

    def describe(self) -> str:
        return str(_("Nobody who picked goods of the order may sign its outbound review."))


POLICY = signatures.SigningPolicy(
    record_type=ORDER,
    meanings={REVIEWED: REVIEW_PERMISSION},
    content=order_content,
    rules=(ReviewerNotPicker(),),
    description=_("Sales orders: the outbound review (出库复核) by a second person."),
)

WORKFLOW = workflow.Workflow(
    record_type=ORDER,
    state_field="status",
    states=tuple((s.value, s.label) for s in OrderStatus),
    initial=S.DRAFT,
    description=_(
        "A sales order is confirmed only while the customer's licences and the products' "
        "approvals and registrations allow the sale (checked again at shipment), allocated by "
        "FEFO, picked by scan, reviewed by a second person's signature (出库复核), then shipped."
    ),
    transitions=(
        workflow.Transition(
            name=CONFIRM,
            sources=(S.DRAFT,),
            target=S.CONFIRMED,
            permission="sales.confirm_salesorder",
            label=_("Confirm"),
            event=events.ORDER_CONFIRMED,
        ),
        workflow.Transition(
            name=ALLOCATE,
            sources=(S.CONFIRMED,),
            target=S.ALLOCATED,
            permission="sales.allocate_salesorder",
            label=_("Allocate (FEFO)"),
            event=events.ORDER_ALLOCATED,
        ),
        workflow.Transition(
            name=PICK,
            sources=(S.ALLOCATED,),
            target=S.PICKED,
            permission="sales.pick_salesorder",
            label=_("Picked: every allocation confirmed by scan"),
            event=events.ORDER_PICKED,
            automatic=True,
        ),
        workflow.Transition(
            name=REVIEW,
            sources=(S.PICKED,),
            target=S.REVIEWED,
            permission=REVIEW_PERMISSION,
            signature=REVIEWED,
            label=_("Outbound review (出库复核)"),
            event=events.ORDER_REVIEWED,
        ),
        workflow.Transition(
            name=SHIP,
            sources=(S.REVIEWED,),
            target=S.SHIPPED,
            permission="sales.ship_salesorder",
            label=_("Ship"),
            event=events.ORDER_SHIPPED,
        ),
        workflow.Transition(
            name=CANCEL,
            sources=(S.DRAFT, S.CONFIRMED, S.ALLOCATED, S.PICKED, S.REVIEWED),
            target=S.CANCELLED,
            permission="sales.cancel_salesorder",
            reason_required=True,
            label=_("Cancel"),
            event=events.ORDER_CANCELLED,
        ),
    ),
)


def register() -> None:
    signatures.register(POLICY)
    workflow.register(WORKFLOW)
