"""Links from a complaint to the quality records it leads to (QE-01, QE-07, QE-09; ISO 13485
§8.2.2 d)-f), §8.3, §8.5.2): an NCR for the affected lot or serial, a CAPA, a recall.

The NCR and CAPA are other quality parts' records, opened through their services
(``nonconformance.services.open_ncr``, ``capa.services.open_capa``, imported when first
needed) in the same transaction as the link, and referred to by id and number. A recall is
compliance's record, linked by its number.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from mederp.compliance.models import Recall
from mederp.core import audit, outbox
from mederp.core.actors import Actor
from mederp.core.services import authorize
from mederp.quality.complaints import errors, events
from mederp.quality.complaints.closure import COMPLAINT
from mederp.quality.complaints.locks import lock_complaint
from mederp.quality.complaints.models import Complaint
from mederp.quality.complaints.services.common import complaint_id, not_closed

LINK_PERMISSION = "complaints.link_complaint"


def _quantity(value: Any) -> Decimal:
    if isinstance(value, float):
        raise errors.QuantityInvalid(value=str(value), field="quantity")
    try:
        q = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise errors.QuantityInvalid(value=str(value), field="quantity") from None
    if not q.is_finite() or q <= 0:
        raise errors.QuantityInvalid(value=str(value), field="quantity")
    return q


def _linked(actor: Actor, c: Complaint, field: str, kind: str, ref_id: int, number: str) -> None:
    audit.record(
        actor,
        action=audit.UPDATE,
        instance=c,
        changes={field: [None, number]},
        reason=f"{kind} {number}",
    )
    outbox.emit(
        actor,
        events.COMPLAINT_LINKED,
        aggregate_type=COMPLAINT,
        aggregate_id=c.pk,
        payload={
            "id": c.pk,
            "number": c.number,
            "kind": kind,
            "ref_id": ref_id,
            "ref_number": number,
        },
    )


def open_ncr_for(
    actor: Actor,
    complaint: Complaint | int,
    *,
    quantity: Any = None,
    description: str = "",
) -> Complaint:
    """Open a nonconformance (source ``complaint``) for the complained-about product and link
    it (permission ``complaints.link_complaint``; the NCR service checks its own).

    With a ``quantity``, the complaint's lot or serial is the NCR's affected item and that much
    of our stock of it is put on hold by the NCR service (a serial is always one); without one,
    the NCR names the product only (the unit complained about is at the customer). Refused: an
    NCR already linked, a closed complaint, a quantity not above zero, and the NCR service's
    own refusals (e.g. more than the stock on hand)."""
    from mederp.quality.nonconformance.services import AffectedItem, open_ncr

    authorize(actor, LINK_PERMISSION)
    given = quantity is not None and str(quantity).strip() != ""
    qty = _quantity(quantity) if given else None
    with transaction.atomic():
        c = lock_complaint(complaint_id(complaint))
        not_closed(c)
        if c.ncr_id is not None:
            raise errors.AlreadyLinked(complaint=c.number, kind="NCR", number=c.ncr_number)
        items = []
        if qty is not None and (c.lot_id is not None or c.serial_id is not None):
            items.append(
                AffectedItem(
                    lot_id=c.lot_id,
                    serial_id=c.serial_id,
                    quantity=Decimal(1) if c.serial_id else qty,
                )
            )
        ncr = open_ncr(
            actor,
            source="complaint",
            source_id=c.pk,
            source_ref=c.number,
            product=c.product,
            description=(description or "").strip() or c.description,
            items=items,
        )
        c.ncr_id, c.ncr_number = ncr.pk, ncr.number
        c.version += 1
        c.save(update_fields=["ncr_id", "ncr_number", "version"])
        _linked(actor, c, "ncr_number", "ncr", ncr.pk, ncr.number)
    return c


def open_capa_for(
    actor: Actor,
    complaint: Complaint | int,
    *,
    title: str,
    problem: str = "",
    owner: Any = None,
    due_date: Any = None,
) -> Complaint:
    """Open a CAPA linked to the complaint (and to its NCR, when there is one) and link it back
    (permission ``complaints.link_complaint``; the CAPA service checks its own). Refused: a
    CAPA already linked, no title, a closed complaint."""
    from mederp.quality.capa.services import open_capa

    authorize(actor, LINK_PERMISSION)
    if not (title or "").strip():
        raise errors.TitleMissing(field="title")
    with transaction.atomic():
        c = lock_complaint(complaint_id(complaint))
        not_closed(c)
        if c.capa_id is not None:
            raise errors.AlreadyLinked(complaint=c.number, kind="CAPA", number=c.capa_number)
        links: list[tuple[str, int]] = [("complaint", c.pk)]
        if c.ncr_id is not None:
            links.append(("ncr", int(c.ncr_id)))
        capa = open_capa(
            actor,
            title=title.strip(),
            problem=(problem or "").strip() or c.description,
            links=links,
            owner=owner,
            due_date=due_date,
        )
        c.capa_id, c.capa_number = capa.pk, capa.number
        c.version += 1
        c.save(update_fields=["capa_id", "capa_number", "version"])
        _linked(actor, c, "capa_number", "capa", capa.pk, capa.number)
    return c


def link_recall(actor: Actor, complaint: Complaint | int, *, recall_number: str) -> Complaint:
    """Link the recall this complaint led to (or belongs to) by its number (permission
    ``complaints.link_complaint``). Refused: an unknown recall, a recall already linked."""
    authorize(actor, LINK_PERMISSION)
    number = (recall_number or "").strip()
    recall = Recall.objects.filter(number=number).first() if number else None
    if recall is None:
        raise errors.RecallUnknown(recall=number or "—", field="recall")
    with transaction.atomic():
        c = lock_complaint(complaint_id(complaint))
        not_closed(c)
        if c.recall_id is not None:
            raise errors.AlreadyLinked(
                complaint=c.number, kind="recall", number=Recall.objects.get(pk=c.recall_id).number
            )
        c.recall = recall
        c.version += 1
        c.save(update_fields=["recall", "version"])
        _linked(actor, c, "recall", "recall", recall.pk, recall.number)
    return c
