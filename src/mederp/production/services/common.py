"""What the production use cases share: the shop-floor record's who/when/source,
the open-state check, the automatic start, event payloads and audit helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from mederp.catalog import selectors as catalog_selectors
from mederp.catalog.models import Product
from mederp.core import audit, canonical, clock, outbox, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory.rules import normal
from mederp.production import rules
from mederp.production.errors import (
    EventIdRequired,
    SourceUnknown,
    WorkOrderClosed,
    WorkOrderNotReleased,
)
from mederp.production.lifecycle import START, WORK_ORDER
from mederp.production.models import LOT, SERIAL, Source, WorkOrder, WorkOrderState

#: The document type of every ledger move a work order makes (docs/ledger.md).
DOCUMENT_TYPE = "production.workorder"


def business_date() -> dt.date:
    """Today in the plant's time zone (the day a lot is made, the year a number counts in)."""
    return catalog_selectors.business_date()


def qty(value: Decimal) -> str:
    """A quantity as events and audit entries carry it: ``"12.5"``, ``"3"``."""
    return str(normal(value))


def get_product(value: Any, field: str) -> Product:
    found = Product.objects.filter(pk=value).first() if value is not None else None
    if found is None:
        raise NotFound(record_type="Product", record_id=value, field=field)
    return found


def get_record(model: Any, pk: int | None, field: str) -> Any:
    """A lot or serial (with its product) by id, None when not given, 404 when unknown."""
    if pk is None:
        return None
    found = model.objects.select_related("product").filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type=model.__name__, record_id=pk, field=field)
    return found


def check_source(source: str, event_id: str) -> tuple[str, str]:
    """``manual`` (a person at a screen) or ``mes`` (an MES event, which names its event id so
    a redelivery is recognised; invariant 5)."""
    source = (source or "").strip()
    event_id = (event_id or "").strip()[:64]
    if source not in Source.values:
        raise SourceUnknown(source=source, field="source")
    if source == Source.MES and not event_id:
        raise EventIdRequired(field="event_id")
    return source, event_id


def require_open(order: WorkOrder) -> None:
    """Shop-floor records go on released and running work orders only."""
    if order.state in rules.OPEN_STATES:
        return
    state = str(WorkOrderState(order.state).label)
    if order.state == WorkOrderState.PLANNED:
        raise WorkOrderNotReleased(work_order=order.number, state=state, current=order.state)
    raise WorkOrderClosed(work_order=order.number, state=state, current=order.state)


def shop_floor(actor: Actor, order: WorkOrder, source: str, event_id: str) -> dict[str, Any]:
    """The fields every shop-floor record shares: the work order, when, who (the actor is the
    operator: 21 CFR 820.184 names who did the work), from where."""
    user = actor.user if actor.kind in ("user", "client") else None
    return {
        "work_order": order,
        "recorded_at": clock.now(),
        "operator": user,
        "operator_name": actor.name[:200],
        "source": source,
        "event_id": event_id,
    }


def stamp(actor: Actor, order: WorkOrder, field: str, *, reason: str) -> None:
    """Set one of the work order's step times (released_at, started_at...) to now, audited as a
    step of the work, not a correction."""
    now = clock.now()
    before = getattr(order, field)
    setattr(order, field, now)
    order.save(update_fields=[field])
    audit_changed(actor, order, {field: [before, now]}, reason=reason)


def start_if_released(actor: Actor, order: WorkOrder, *, reason: str) -> None:
    """The first shop-floor record starts a released work order (automatic transition)."""
    if order.state != WorkOrderState.RELEASED:
        return
    workflow.transition(actor, order, START, reason=reason)
    stamp(actor, order, "started_at", reason=reason)


def emit(actor: Actor, order: WorkOrder, event: str, payload: dict[str, Any]) -> None:
    """An event of the work order's stream (every production event is keyed by its order)."""
    outbox.emit(actor, event, aggregate_type=WORK_ORDER, aggregate_id=order.pk, payload=payload)


def audit_created(actor: Actor, instance: models.Model) -> None:
    audit.record_create(actor, instance)


def audit_changed(
    actor: Actor, instance: models.Model, changes: dict[str, list[Any]], *, reason: str
) -> None:
    """A change that is a step of the work, not a correction: the step is its reason."""
    audit.record(
        actor,
        action=audit.UPDATE,
        instance=instance,
        changes={k: [canonical.to_json_value(v) for v in pair] for k, pair in changes.items()},
        reason=reason,
        require_reason=False,
    )


def node_of(record: Any) -> tuple[str, int] | None:
    """The genealogy node of an issue or output: its serial, else its lot, else none
    (untracked stock has no node)."""
    if record.serial_id is not None:
        return (SERIAL, int(record.serial_id))
    if record.lot_id is not None:
        return (LOT, int(record.lot_id))
    return None


def shop_floor_payload(record: Any) -> dict[str, Any]:
    return {
        "operator": record.operator_name,
        "operator_id": record.operator_id,
        "source": record.source,
        "event_id": record.event_id or None,
        "recorded_at": record.recorded_at,
    }
