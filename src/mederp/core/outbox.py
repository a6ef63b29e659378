"""Writing domain events to the outbox in the business transaction (invariant 3).

Callers hold the aggregate's row lock (or have just created it), so the next per-aggregate
sequence number is taken safely; the unique constraint turns any slip into an error, not a gap.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from mederp.core import canonical, clock
from mederp.core.actors import Actor
from mederp.core.models import OutboxEvent


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
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.emit() must run inside the service's transaction")
    agg_id = str(aggregate_id)
    last = OutboxEvent.objects.filter(
        aggregate_type=aggregate_type, aggregate_id=agg_id
    ).aggregate(m=Max("aggregate_seq"))["m"]
    return OutboxEvent.objects.create(
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=agg_id,
        aggregate_seq=(last or 0) + 1,
        schema_version=schema_version,
        payload=canonical.to_json_value(payload),
        occurred_at=clock.now(),
        actor_name=actor.name[:200],
        request_id=actor.request_id[:64],
    )
