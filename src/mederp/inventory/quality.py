"""Stock status by QA decision (TR-04; ISO 13485 §7.5.8, §8.3; 21 CFR 11.50, 11.70): the
workflows of lots and serials, and the signing policies of lots, serials, stock holds and cycle
counts. Code, versioned in git, registered at start-up (``InventoryConfig.ready``; AT-13).

A lot is received into quarantine; QA releases or rejects it by signature, and the signer must
not be the lot's receiving inspector (GSP: acceptance and release by different people). Release
changes the status only: putting the stock away from quarantine to storage is a transfer, which
the ledger allows for released stock only. Hold (a reason, no signature: stopping stock is always
allowed) and recall (issue 5's recall uses it) block the stock; a held lot is released again by
signature. "Expired" is computed from the expiry date, never stored.

The signed content of a lot or serial is its identity and dates; its status, inspector and
version are not content (they do not change what was released).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import canonical, signatures, workflow
from mederp.core.signing_rules import SignerNotIn
from mederp.inventory import events
from mederp.inventory.models import CycleCount, Lot, Serial, StockHold, StockStatus

LOT = "inventory.lot"
SERIAL = "inventory.serial"
HOLD = "inventory.stockhold"
COUNT = "inventory.cyclecount"

RELEASE_PERMISSION = "inventory.release_lot"
HOLD_PERMISSION = "inventory.hold_lot"
RECALL_PERMISSION = "inventory.recall_lot"
HOLD_RELEASE_PERMISSION = "inventory.release_stockhold"
COUNT_APPROVE_PERMISSION = "inventory.approve_cyclecount"

RELEASE, REJECT, HOLD_STOCK, RECALL = "release", "reject", "hold", "recall"


def lot_content(lot: models.Model) -> dict[str, Any]:
    assert isinstance(lot, Lot)
    content = canonical.snapshot(lot, fields=["number", "manufacture_date", "expiry_date"])
    content["product"] = lot.product.gtin
    return content


def serial_content(serial: models.Model) -> dict[str, Any]:
    assert isinstance(serial, Serial)
    content = canonical.snapshot(
        serial, fields=["serial_number", "manufacture_date", "expiry_date"]
    )
    content["product"] = serial.product.gtin
    content["lot"] = serial.lot.number if serial.lot is not None else None
    return content


def _inspector(record: models.Model) -> Iterable[int]:
    inspector = getattr(record, "inspected_by_id", None)
    return [inspector] if inspector is not None else []


def hold_content(hold: models.Model) -> dict[str, Any]:
    assert isinstance(hold, StockHold)
    return canonical.snapshot(
        hold,
        fields=["product", "lot", "serial", "location", "reason", "source_type", "source_id"],
    ) | {"placed_at": canonical.to_json_value(hold.placed_at)}


def count_content(count: models.Model) -> dict[str, Any]:
    """A count's approval signs every line's expected and counted quantity."""
    assert isinstance(count, CycleCount)
    return {
        "location": count.location_id,
        "opened_at": canonical.to_json_value(count.opened_at),
        "lines": [
            canonical.snapshot(line, fields=["product", "lot", "serial", "expected", "counted"])
            for line in count.lines.order_by("id")
        ],
    }


def _counter(count: models.Model) -> Iterable[int]:
    counter = getattr(count, "counted_by_id", None)
    return [counter] if counter is not None else []


_INSPECTOR_RULE = SignerNotIn(
    frozenset({"released", "rejected"}), _inspector, role=_("The receiving inspector")
)

LOT_POLICY = signatures.SigningPolicy(
    record_type=LOT,
    meanings={"released": RELEASE_PERMISSION, "rejected": RELEASE_PERMISSION},
    content=lot_content,
    rules=(_INSPECTOR_RULE,),
    description=_("QA release or rejection of a received lot (TR-04)."),
)
SERIAL_POLICY = signatures.SigningPolicy(
    record_type=SERIAL,
    meanings={"released": RELEASE_PERMISSION, "rejected": RELEASE_PERMISSION},
    content=serial_content,
    rules=(_INSPECTOR_RULE,),
    description=_("QA release or rejection of a received serial-numbered unit (TR-04)."),
)
HOLD_POLICY = signatures.SigningPolicy(
    record_type=HOLD,
    # "rejected": the evaluation failed and the held stock goes to a rejected-goods location
    # (cold chain, inventory.coldchain.holds.reject_held_stock); the reason is required.
    meanings={"released": HOLD_RELEASE_PERMISSION, "rejected": HOLD_RELEASE_PERMISSION},
    content=hold_content,
    description=_("QA release of held stock after evaluation (cold-chain excursion, complaint)."),
)
COUNT_POLICY = signatures.SigningPolicy(
    record_type=COUNT,
    meanings={"approved": COUNT_APPROVE_PERMISSION, "rejected": COUNT_APPROVE_PERMISSION},
    content=count_content,
    rules=(SignerNotIn(frozenset({"approved", "rejected"}), _counter, role=_("The counter")),),
    description=_("Approval of cycle-count differences, booked as adjusting moves."),
)


def _status_workflow(record_type: str, noun: Any, evts: dict[str, str]) -> workflow.Workflow:
    statuses = tuple((s.value, s.label) for s in StockStatus)
    Q, R, RJ, H, RC = (
        StockStatus.QUARANTINE,
        StockStatus.RELEASED,
        StockStatus.REJECTED,
        StockStatus.ON_HOLD,
        StockStatus.RECALLED,
    )
    return workflow.Workflow(
        record_type=record_type,
        state_field="status",
        states=statuses,
        initial=Q,
        description=noun,
        transitions=(
            workflow.Transition(
                name=RELEASE,
                sources=(Q, H),
                target=R,
                permission=RELEASE_PERMISSION,
                signature="released",
                label=_("Release"),
                event=evts[RELEASE],
            ),
            workflow.Transition(
                name=REJECT,
                sources=(Q, H),
                target=RJ,
                permission=RELEASE_PERMISSION,
                signature="rejected",
                reason_required=True,
                label=_("Reject"),
                event=evts[REJECT],
            ),
            workflow.Transition(
                name=HOLD_STOCK,
                sources=(Q, R),
                target=H,
                permission=HOLD_PERMISSION,
                reason_required=True,
                label=_("Put on hold"),
                event=evts[HOLD_STOCK],
            ),
            workflow.Transition(
                name=RECALL,
                sources=(Q, R, H),
                target=RC,
                permission=RECALL_PERMISSION,
                reason_required=True,
                label=_("Recall"),
                event=evts[RECALL],
            ),
        ),
    )


LOT_WORKFLOW = _status_workflow(
    LOT,
    _(
        "A received lot waits in quarantine until QA releases or rejects it by signature (not "
        "the receiving inspector). Only released, unexpired, unheld stock is available."
    ),
    {
        RELEASE: events.LOT_RELEASED,
        REJECT: events.LOT_REJECTED,
        HOLD_STOCK: events.LOT_HELD,
        RECALL: events.LOT_RECALLED,
    },
)
SERIAL_WORKFLOW = _status_workflow(
    SERIAL,
    _("A received serial-numbered unit follows the same statuses as a lot."),
    {
        RELEASE: events.SERIAL_RELEASED,
        REJECT: events.SERIAL_REJECTED,
        HOLD_STOCK: events.SERIAL_HELD,
        RECALL: events.SERIAL_RECALLED,
    },
)


def register() -> None:
    for policy in (LOT_POLICY, SERIAL_POLICY, HOLD_POLICY, COUNT_POLICY):
        signatures.register(policy)
    workflow.register(LOT_WORKFLOW)
    workflow.register(SERIAL_WORKFLOW)
