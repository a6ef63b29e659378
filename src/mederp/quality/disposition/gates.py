"""The disposition gate on QA's release and rejection of a lot or serial (ISO 13485 §8.2.6,
§8.3, §7.5.1; 21 CFR 820.80(d), 820.86, 820.184; QE-01).

Two guards on inventory's workflows (``inventory.lot`` / ``inventory.serial``), registered in
``DispositionConfig.ready`` through :func:`mederp.core.workflow.add_guard`:

- **release**: every inspection of the lot or serial (a serial: also its lot's) is completed,
  or, while open, waived by an approved deviation; none failed, unless a signed "use as is"
  concession covers the lot or serial; and when it is the good output of a work order, that
  work order's device history record is complete (:func:`selectors.dhr_gaps`);
- **reject**: no inspection is still open (and not waived) unless one already failed.

A lot with no inspection at all passes (no plan existed; procurement's receiving acceptance
stands for it). A guard only reads; it runs before the signature is asked for and again,
locked, inside the transaction, so a refusal writes nothing, not even a signature.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.inventory.models import Lot, Serial
from mederp.quality.disposition import errors, rules, selectors
from mederp.quality.disposition.selectors import Disposition, InspectionRow, Item

REJECT_OPEN = _(
    "{item} cannot be rejected: the {stage} inspection {inspection} is not completed and "
    "nothing has failed yet. Complete it, or have a deviation approved that waives it."
)


def _item(record: models.Model) -> Item:
    assert isinstance(record, Lot | Serial)
    return record


def check_inspections(item: Item, *, releasing: bool) -> None:
    """Raise the gate's refusal of releasing (or rejecting) ``item`` on its inspections."""
    inspections = [selectors.fact(i) for i in selectors.gate_inspections(item)]
    if not inspections:
        return
    conceded = False
    if releasing and any(i.failed for i in inspections):
        conceded = selectors.concession_of(item) is not None
    block = rules.blocking(
        inspections, selectors.waivers_of(item), releasing=releasing, conceded=conceded
    )
    if block is None:
        return
    details: dict[str, Any] = {
        "item": selectors.item_label(item),
        "stage": selectors.stage_label(block.inspection.stage),
        "inspection": block.inspection.number,
        "inspection_id": block.inspection.id,
    }
    if block.kind == rules.FAILED:
        raise errors.InspectionFailed(**details)
    if releasing:
        raise errors.InspectionOpen(**details)
    raise errors.InspectionOpen(REJECT_OPEN, **details)


def check_dhr(item: Item) -> None:
    """Raise :class:`errors.DhrIncomplete` when ``item`` was made by a work order whose device
    history record is not complete."""
    for order in selectors.made_by(item):
        gaps = selectors.dhr_gaps(order, item=item)
        if gaps:
            raise errors.DhrIncomplete(
                item=selectors.item_label(item),
                work_order=order.number,
                gaps=" ".join(gaps),
                gap_list=gaps,
            )


def release_guard(actor: Actor, record: models.Model) -> None:
    item = _item(record)
    check_inspections(item, releasing=True)
    check_dhr(item)


def reject_guard(actor: Actor, record: models.Model) -> None:
    check_inspections(_item(record), releasing=False)


def disposition_of(item: Item) -> Disposition:
    """The page's and the API's view of one lot or serial: its inspections (each with the
    deviation that waives it or the concession that covers its failure), its deviations, the
    work orders that made it with their DHR gaps, and what the gate says now."""
    waivers = selectors.waivers_of(item)
    found = selectors.gate_inspections(item)
    concession = (
        selectors.concession_of(item) if any(i.result == rules.FAIL for i in found) else None
    )
    rows = []
    for inspection in found:
        f = selectors.fact(inspection)
        waiver = (
            rules.waiver_for(f, waivers) if not f.failed and f.state != rules.COMPLETED else None
        )
        rows.append(
            InspectionRow(
                inspection,
                waived_by=waiver.number if waiver is not None else "",
                conceded_by=str(getattr(concession, "number", ""))
                if f.failed and concession is not None
                else "",
            )
        )
    result = Disposition(
        item=item,
        inspections=rows,
        deviations=list(selectors.deviations_of(item).select_related("lot", "serial")),
        concession=concession,
        work_orders=[(o, selectors.dhr_gaps(o, item=item)) for o in selectors.made_by(item)],
    )
    try:
        check_inspections(item, releasing=True)
        check_dhr(item)
    except DomainError as exc:
        result.release_code, result.release_refusal = exc.code, exc.render_message()
    try:
        check_inspections(item, releasing=False)
    except DomainError as exc:
        result.reject_code, result.reject_refusal = exc.code, exc.render_message()
    return result
