"""Pure disposition decisions (no database): which inspection, if any, stops QA's release or
rejection of a lot or serial, and which deviation waives which inspection (ISO 13485 §8.2.6,
§8.3; 21 CFR 820.80(d), 820.86; QE-01).

The gate reads every inspection of the lot or serial (for a serial, its lot's too):

- an inspection not completed stops release and rejection, unless an approved deviation waives
  it (by naming it, or its stage);
- a failed inspection stops release, unless a signed "use as is" concession (the NCR's, QE-01)
  covers the lot or serial; a deviation never turns a failure into a pass;
- rejection is always possible once an inspection failed: that is what a failure is for; it is
  refused only while an inspection is still open and nothing has failed (the decision would
  come before its evidence);
- a lot or serial with no inspection at all passes: no plan existed for its product and stage,
  and procurement's receiving acceptance (验收) stands for the incoming inspection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

OPEN, FAILED = "open", "failed"
COMPLETED, FAIL = "completed", "fail"
STAGES = ("incoming", "in_process", "final")


@dataclass(frozen=True)
class InspectionFact:
    """What the gate reads of one inspection."""

    id: int
    number: str
    stage: str
    state: str  # "open" | "completed"
    result: str  # "pending" | "pass" | "fail"

    @property
    def failed(self) -> bool:
        return self.result == FAIL

    @property
    def completed(self) -> bool:
        return self.state == COMPLETED and not self.failed


@dataclass(frozen=True)
class Waiver:
    """An approved deviation: it waives one inspection (``inspection_id``) or a stage."""

    number: str
    inspection_id: int | None
    stage: str


@dataclass(frozen=True)
class Block:
    """Why the gate refuses: an open or a failed inspection."""

    kind: str  # OPEN | FAILED
    inspection: InspectionFact


def waiver_for(inspection: InspectionFact, waivers: Iterable[Waiver]) -> Waiver | None:
    for w in waivers:
        if w.inspection_id == inspection.id or (
            w.inspection_id is None and w.stage == inspection.stage
        ):
            return w
    return None


def blocking(
    inspections: Sequence[InspectionFact],
    waivers: Sequence[Waiver],
    *,
    releasing: bool,
    conceded: bool,
) -> Block | None:
    """The first inspection that stops the release (``releasing``) or the rejection, or None."""
    failed = [i for i in inspections if i.failed]
    open_ = [
        i
        for i in inspections
        if not i.failed and i.state != COMPLETED and waiver_for(i, waivers) is None
    ]
    if releasing:
        if failed and not conceded:
            return Block(FAILED, failed[0])
        if open_:
            return Block(OPEN, open_[0])
        return None
    if open_ and not failed:
        return Block(OPEN, open_[0])
    return None


@dataclass(frozen=True)
class ComponentLine:
    """One BOM line of a work order, as the DHR completeness check reads it."""

    code: str
    quantity_per_unit: Decimal
    issued: Decimal
    scrapped: Decimal


def component_shortfall(line: ComponentLine, good: Decimal) -> Decimal:
    """How much of the component the good output lacks: the BOM quantity of the good output
    must be covered by what was issued to the work order, less what was recorded scrapped on
    the line (that never went into a unit). Zero when covered."""
    needed = line.quantity_per_unit * good
    net = line.issued - line.scrapped
    return max(Decimal(0), needed - net)


def failing_checks(checks: Iterable[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """``(operation, characteristic, result)`` in the order recorded → the (operation,
    characteristic) pairs whose latest result is not a pass (a failed check re-done after
    rework and passed is fine; the failure stays in the record)."""
    latest: dict[tuple[str, str], str] = {}
    for operation, characteristic, result in checks:
        latest[(operation, characteristic)] = result
    return [key for key, result in latest.items() if result != "pass"]
