"""What every inbound delivery shares (MES events, LIMS results, WMS events; invariant 5): the
occurred-at check, the body's hash, the per-id lock, the stored answer and its replay. The field
rules every sender meets are the kernel's (:mod:`mederp.core.inbound`).

:func:`receive_once` runs the delivery's effect under a transaction-scoped lock on (source, id)
(:func:`mederp.integration.locks.lock_event`) and stores an
:class:`~mederp.integration.models.InboundEvent` with the answer in the same transaction, so an
effect and its dedupe record commit together or not at all. A redelivery with the same body gets
the first answer back (200, ``replayed``); another body under the same id is refused with
``integration.event_id_reused`` (409) and writes nothing. The unique (source, event id) index
backs the lock up for a row written by other means. ``occurred_at`` (the sender's time) is
stored beside ``received_at`` (the server's): out-of-order arrival is judged by the owning
service on the sender's time where it matters (docs/integration.md, "Out of order").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from mederp.core import audit, canonical, clock, inbound
from mederp.core.actors import Actor
from mederp.integration.errors import EventIdReused
from mederp.integration.locks import lock_event
from mederp.integration.models import InboundEvent, InboundEventStatus

CREATED, REPLAYED = 201, 200


@dataclass(frozen=True)
class Received:
    """The answer to one delivery: the stored status and JSON, and whether it was a replay."""

    status_code: int
    response: dict[str, Any]
    replayed: bool


def body_sha256(body: dict[str, Any]) -> str:
    """SHA-256 of the body's canonical JSON (sorted keys, no whitespace): key order and spacing
    do not make two deliveries different."""
    return hashlib.sha256(canonical.dumps(body).encode()).hexdigest()


#: The effect of a first delivery: it returns the reference it acted on (a work order or
#: inspection number, kept on the InboundEvent) and the answer's fields.
Effect = Callable[[], tuple[str, dict[str, Any]]]


def receive_once(
    actor: Actor,
    *,
    source: str,
    event_id: str,
    event_type: str,
    occurred_at: dt.datetime,
    body: dict[str, Any],
    effect: Effect,
    id_field: str = "event_id",
) -> Received:
    """Apply ``effect`` for the first delivery of ``event_id`` from ``source`` and store its
    answer; replay that answer for a later delivery of the same body. Refusals raised by
    ``effect`` roll everything back. An ``occurred_at`` beyond the allowed clock skew ahead of
    the server is refused first (``inbound.occurred_in_future``), before any lock."""
    occurred_at = inbound.check_occurred_at(occurred_at)
    digest = body_sha256(body)
    try:
        with transaction.atomic():
            lock_event(source, event_id)
            stored = stored_answer(source, event_id, digest, id_field=id_field)
            if stored is not None:
                return stored
            reference, fields = effect()
            received_at = clock.now()
            response = {**fields, "received_at": canonical.to_json_value(received_at)}
            with transaction.atomic():
                event = InboundEvent.objects.create(
                    source=source,
                    event_id=event_id,
                    event_type=event_type,
                    body_sha256=digest,
                    body=body,
                    work_order_number=reference,
                    occurred_at=occurred_at,
                    received_at=received_at,
                    status=InboundEventStatus.PROCESSED,
                    status_code=CREATED,
                    response=response,
                    principal=actor.user,
                    principal_name=actor.name[:200],
                    request_id=actor.request_id[:64],
                )
            audit.record_create(actor, event)
            return Received(CREATED, response, replayed=False)
    except IntegrityError:
        # Only if the lock was bypassed (a row written by other means): the index decides.
        stored = stored_answer(source, event_id, digest, id_field=id_field)
        if stored is None:
            raise
        return stored


def stored_answer(
    source: str, event_id: str, digest: str, *, id_field: str = "event_id"
) -> Received | None:
    """The stored answer to ``event_id`` when its body was ``digest``; refused for another body."""
    stored = InboundEvent.objects.filter(source=source, event_id=event_id).first()
    if stored is None:
        return None
    if stored.body_sha256 != digest:
        raise EventIdReused(
            event_id=event_id,
            event_type=stored.event_type,
            work_order=stored.work_order_number,
            field=id_field,
        )
    return Received(REPLAYED, stored.response, replayed=True)
