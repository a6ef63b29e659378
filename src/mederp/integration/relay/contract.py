"""What the relay engine hands a transport, and what a transport answers.

Every destination receives the same message: the event as JSON (``message_body``), the same
fields ``GET /api/v1/core/events`` lists, so a consumer can switch between polling, webhooks and
RabbitMQ without reparsing. ``event_id`` is the key a consumer dedupes by (at-least-once).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutboundEvent:
    """One committed outbox event, as a transport sees it."""

    position: int
    event_id: uuid.UUID
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_seq: int
    schema_version: int
    occurred_at: dt.datetime
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> OutboundEvent:
        """From a :class:`mederp.core.models.OutboxEvent` (or any object with its fields)."""
        return cls(
            position=int(row.position),
            event_id=row.event_id,
            event_type=row.event_type,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            aggregate_seq=int(row.aggregate_seq),
            schema_version=int(row.schema_version),
            occurred_at=row.occurred_at,
            payload=row.payload,
        )

    def message(self) -> dict[str, Any]:
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "schema_version": self.schema_version,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "aggregate_seq": self.aggregate_seq,
            "position": self.position,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "payload": self.payload,
        }

    def message_body(self) -> bytes:
        """The bytes sent (and, for webhooks, signed): compact JSON, keys sorted, UTF-8."""
        return json.dumps(
            self.message(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()


@dataclass
class DeliveryResult:
    """What a transport did with a batch, in order.

    ``delivered`` is how many events from the start of the batch the destination took (and, for
    RabbitMQ, confirmed). When it is less than the batch, ``error`` says why the next one was not
    taken; the engine retries from that event later. ``retry_after_s`` is the destination's own
    wish (a webhook's ``Retry-After``), a floor for the backoff.
    """

    delivered: int
    error: str = ""
    status_code: int | None = None
    retry_after_s: float | None = None
    # Per delivered or failed event (webhooks): (position, status code, milliseconds).
    log: list[tuple[int, int | None, int]] = field(default_factory=list)


class Transport(Protocol):
    """A destination. ``deliver`` sends the events in order and stops at the first failure; it
    never raises for a destination fault (it reports it in the result)."""

    def deliver(self, events: Sequence[OutboundEvent]) -> DeliveryResult: ...

    def close(self) -> None: ...
