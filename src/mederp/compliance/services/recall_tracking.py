"""Tracking a recall consignee by consignee: the notice, its acknowledgement, and what came
back or was otherwise accounted for (RC-02, RC-06; 医疗器械召回管理办法; 21 CFR 7.53).

Each call locks the recall, then its lines in primary-key order, refuses a closed recall,
writes the change with one audit entry per line (old and new values) and one event for the
call. Quantities are exact decimals; a consignee cannot return or account for more than it
received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from mederp.compliance import events, recall_rules
from mederp.compliance.errors import (
    DispositionUnknown,
    NotificationMethodUnknown,
    RecallClosed,
    RecallDateInvalid,
    RecallLineNotNotified,
    RecallLinesMissing,
    RecallLineUnknown,
    RecallQuantityExceedsShipped,
)
from mederp.compliance.locks import lock_lines, lock_recall
from mederp.compliance.models import (
    Disposition,
    NotificationMethod,
    Recall,
    RecallLine,
    RecallState,
)
from mederp.compliance.recall_approval import RECALL, TRACK_PERMISSION
from mederp.core import audit, canonical, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.core.services import authorize
from mederp.inventory.rules import normal

LINE = "compliance.recallline"


def _ids(line_ids: int | Iterable[int]) -> list[int]:
    ids = [line_ids] if isinstance(line_ids, int) else [int(i) for i in line_ids]
    if not ids:
        raise RecallLinesMissing(field="line_ids")
    return sorted(set(ids))


def _recall_of(ids: list[int], recall_id: int | None) -> int:
    if recall_id is not None:
        return recall_id
    found = RecallLine.objects.filter(pk=ids[0]).values_list("recall_id", flat=True).first()
    if found is None:
        raise NotFound(record_type="RecallLine", record_id=ids[0])
    return int(found)


def _locked(recall_id: int, ids: list[int]) -> tuple[Recall, list[RecallLine]]:
    recall = lock_recall(recall_id)
    if recall.state != RecallState.OPEN:
        raise RecallClosed(recall=recall.number)
    lines = lock_lines(recall.pk, ids)
    missing = sorted(set(ids) - {line.pk for line in lines})
    if missing:
        raise RecallLineUnknown(recall=recall.number, line=missing[0], field="line_ids")
    return recall, lines


def _when(value: dt.datetime | None, field: str) -> dt.datetime:
    now = clock.now()
    when = value or now
    if when > now:
        raise RecallDateInvalid(value=when.isoformat(), today=now.isoformat(), field=field)
    return when


def _item(line: RecallLine) -> str:
    return f"{line.product_code} {line.lot_number or line.serial_number}"


def _write(
    actor: Actor,
    recall: Recall,
    lines: list[RecallLine],
    changes: dict[int, dict[str, list[Any]]],
    fields: list[str],
    event: str,
    payload: dict[str, Any],
) -> None:
    for line in lines:
        line.version += 1
    RecallLine.objects.bulk_update(lines, [*fields, "version"], batch_size=1000)
    audit.record_many(
        actor,
        [
            audit.Entry(
                action=audit.UPDATE,
                record_type=LINE,
                record_id=line.pk,
                label=f"{recall.number} {line}",
                changes={
                    k: [canonical.to_json_value(v) for v in pair]
                    for k, pair in changes[line.pk].items()
                },
            )
            for line in lines
        ],
        require_reason=False,
    )
    outbox.emit(
        actor,
        event,
        aggregate_type=RECALL,
        aggregate_id=recall.pk,
        payload={"id": recall.pk, "number": recall.number, **payload},
    )


def _notes(line: RecallLine, notes: str) -> str:
    added = (notes or "").strip()
    return f"{line.notes}\n{added}".strip() if added else line.notes


def record_notification(
    actor: Actor,
    line_ids: int | Iterable[int],
    *,
    via: str,
    notified_at: dt.datetime | None = None,
    notes: str = "",
    recall_id: int | None = None,
) -> list[RecallLine]:
    """The consignee of these lines was notified (by phone, email, letter, visit or other) at
    ``notified_at`` (default now; never in the future). A later notice replaces the time and
    way; the audit trail keeps every one. Permission ``compliance.track_recall``."""
    authorize(actor, TRACK_PERMISSION)
    if via not in NotificationMethod.values or not via:
        raise NotificationMethodUnknown(via=str(via), field="via")
    ids = _ids(line_ids)
    when = _when(notified_at, "notified_at")
    with transaction.atomic():
        recall, lines = _locked(_recall_of(ids, recall_id), ids)
        changes: dict[int, dict[str, list[Any]]] = {}
        for line in lines:
            changes[line.pk] = {
                "notified_at": [line.notified_at, when],
                "notified_via": [line.notified_via, via],
                "notified_by_name": [line.notified_by_name, actor.name[:200]],
            }
            line.notified_at, line.notified_via = when, via
            line.notified_by = actor.user if actor.kind == "user" else None
            line.notified_by_name = actor.name[:200]
            line.notes = _notes(line, notes)
        _write(
            actor,
            recall,
            lines,
            changes,
            ["notified_at", "notified_via", "notified_by", "notified_by_name", "notes"],
            events.RECALL_LINE_NOTIFIED,
            {"line_ids": ids, "via": via, "notified_at": when},
        )
    return lines


def record_acknowledgement(
    actor: Actor,
    line_ids: int | Iterable[int],
    *,
    acknowledged_at: dt.datetime | None = None,
    notes: str = "",
    recall_id: int | None = None,
) -> list[RecallLine]:
    """The consignee confirmed it received the notice (RC-02). Refused before the notice was
    recorded (``compliance.recall_line_not_notified``)."""
    authorize(actor, TRACK_PERMISSION)
    ids = _ids(line_ids)
    when = _when(acknowledged_at, "acknowledged_at")
    with transaction.atomic():
        recall, lines = _locked(_recall_of(ids, recall_id), ids)
        changes: dict[int, dict[str, list[Any]]] = {}
        for line in lines:
            if line.notified_at is None:
                raise RecallLineNotNotified(
                    consignee=line.consignee_name, item=_item(line), line=line.pk
                )
            changes[line.pk] = {"acknowledged_at": [line.acknowledged_at, when]}
            line.acknowledged_at = when
            line.notes = _notes(line, notes)
        _write(
            actor,
            recall,
            lines,
            changes,
            ["acknowledged_at", "notes"],
            events.RECALL_LINE_ACKNOWLEDGED,
            {"line_ids": ids, "acknowledged_at": when},
        )
    return lines


def record_accounted(
    actor: Actor,
    line_id: int,
    *,
    quantity_returned: object,
    quantity_accounted: object,
    disposition: str = "",
    notes: str = "",
    recall_id: int | None = None,
) -> RecallLine:
    """What of this line's shipment is back (``quantity_returned``) or otherwise accounted for
    (``quantity_accounted``: destroyed, corrected on site, used up...), as totals so far
    (RC-06). With what came back before the recall, at most the quantity shipped."""
    authorize(actor, TRACK_PERMISSION)
    returned = recall_rules.parse_count(quantity_returned, "quantity_returned")
    accounted = recall_rules.parse_count(quantity_accounted, "quantity_accounted")
    if disposition not in Disposition.values:
        raise DispositionUnknown(disposition=str(disposition), field="disposition")
    ids = _ids(line_id)
    with transaction.atomic():
        recall, (line,) = _locked(_recall_of(ids, recall_id), ids)
        total = line.previously_returned + returned + accounted
        if total > line.quantity:
            raise RecallQuantityExceedsShipped(
                total=str(normal(total)),
                shipped=str(normal(line.quantity)),
                consignee=line.consignee_name,
                item=_item(line),
                field="quantity_returned",
            )
        changes = {
            line.pk: {
                "quantity_returned": [line.quantity_returned, returned],
                "quantity_accounted": [line.quantity_accounted, accounted],
                "disposition": [line.disposition, disposition],
            }
        }
        line.quantity_returned, line.quantity_accounted = returned, accounted
        line.disposition = disposition
        line.notes = _notes(line, notes)
        _write(
            actor,
            recall,
            [line],
            changes,
            ["quantity_returned", "quantity_accounted", "disposition", "notes"],
            events.RECALL_LINE_ACCOUNTED,
            {
                "line_id": line.pk,
                "quantity_returned": str(normal(returned)),
                "quantity_accounted": str(normal(accounted)),
                "disposition": disposition,
            },
        )
    return line


def effectiveness(recall: Recall | int) -> tuple[Decimal, Decimal, Decimal | None]:
    """(accounted for, shipped, ratio) over the recall's lines (RC-06): accounted for is what
    came back before the recall, what came back since, and what was otherwise accounted for;
    the ratio is ``None`` when nothing was shipped."""
    recall_id = recall.pk if isinstance(recall, Recall) else int(recall)
    sums = RecallLine.objects.filter(recall_id=recall_id).aggregate(
        shipped=Sum("quantity"),
        before=Sum("previously_returned"),
        returned=Sum("quantity_returned"),
        accounted=Sum("quantity_accounted"),
    )
    zero = Decimal(0)
    shipped = sums["shipped"] or zero
    total = (sums["before"] or zero) + (sums["returned"] or zero) + (sums["accounted"] or zero)
    return total, shipped, recall_rules.ratio(total, shipped)
