"""Writing domain events to the outbox in the business transaction (invariant 3).

Callers hold the aggregate's row lock (or have just created it), so the next per-aggregate
sequence number is taken safely; the unique constraint turns any slip into an error, not a gap.
"""

from __future__ import annotations

import uuid
import zlib
from typing import Any

from django.db import transaction
from django.db.models import Field, Max

from mederp.core import canonical, clock
from mederp.core.actors import Actor
from mederp.core.locks import advisory_xact_lock
from mederp.core.models import OutboxEvent

_COLUMNS = (
    "event_id",
    "event_type",
    "aggregate_type",
    "aggregate_id",
    "schema_version",
    "payload",
    "occurred_at",
    "actor_name",
    "request_id",
    "attempts",
    "partition",
)
#: Delivery lanes of the relay. Fixed for ever: an aggregate's lane is stored on each event, and
#: changing the count would put later events of an aggregate in another lane than earlier ones.
PARTITIONS = 16
# One round trip: the next per-aggregate number is read by the INSERT itself.
_INSERT = (
    f"INSERT INTO core_outboxevent ({', '.join(_COLUMNS)}, aggregate_seq) "
    f"SELECT {', '.join(['%s'] * len(_COLUMNS))}, COALESCE(MAX(o.aggregate_seq), 0) + 1 "
    "FROM core_outboxevent o WHERE o.aggregate_type = %s AND o.aggregate_id = %s "
    "RETURNING id, aggregate_seq"
)
_FIELDS: list[Field[Any, Any]] = [OutboxEvent._meta.get_field(name) for name in _COLUMNS]  # type: ignore[misc]


def partition_of(aggregate_type: str, aggregate_id: str) -> int:
    """The relay lane of an aggregate: CRC-32 of ``type:id`` modulo :data:`PARTITIONS`."""
    return zlib.crc32(f"{aggregate_type}:{aggregate_id}".encode()) % PARTITIONS


def emit(
    actor: Actor,
    event_type: str,
    *,
    aggregate_type: str,
    aggregate_id: Any,
    payload: dict[str, Any],
    schema_version: int = 1,
) -> OutboxEvent:
    """Append an event such as ``catalog.product.created`` (past tense, dotted, versioned)."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("outbox.emit() must run inside the service's transaction")
    event = OutboxEvent(
        event_id=uuid.uuid4(),
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        schema_version=schema_version,
        payload=canonical.to_json_value(payload),
        occurred_at=clock.now(),
        actor_name=actor.name[:200],
        request_id=actor.request_id[:64],
        attempts=0,
    )
    event.partition = partition_of(event.aggregate_type, event.aggregate_id)
    params = [f.get_db_prep_save(getattr(event, f.attname), conn) for f in _FIELDS]
    with conn.cursor() as cur:
        cur.execute(_INSERT, [*params, event.aggregate_type, event.aggregate_id])
        event.id, event.aggregate_seq = cur.fetchone()
    event._state.adding = False
    return event


def assign_positions(batch_size: int = 5000) -> int:
    """Give committed events their feed position, in commit order; return how many.

    The same shape as the audit sealer (ADR 0001): whatever is committed and unnumbered when the
    sequencer looks is numbered after everything numbered before, so an event whose transaction
    commits late gets a later position instead of being skipped by a reader's cursor. Events of
    one aggregate are written under that aggregate's lock, so they keep their order.
    """
    total = 0
    while True:
        with transaction.atomic():
            advisory_xact_lock("mederp.outbox.sequencer")
            pending = list(
                OutboxEvent.objects.filter(position__isnull=True)
                .order_by("id")
                .only("id")[:batch_size]
            )
            if not pending:
                return total
            last = OutboxEvent.objects.aggregate(m=Max("position"))["m"] or 0
            for offset, event in enumerate(pending, start=1):
                event.position = last + offset
            OutboxEvent.objects.bulk_update(pending, ["position"], batch_size=1000)
            total += len(pending)
        if len(pending) < batch_size:
            return total
