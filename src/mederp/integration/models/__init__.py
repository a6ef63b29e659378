"""Integration tables: inbound events (:mod:`.inbound`) and outbound delivery (:mod:`.relay`)."""

from mederp.integration.models.inbound import EventSource, InboundEvent, InboundEventStatus
from mederp.integration.models.relay import (
    DeadLetter,
    DeadLetterState,
    DeliveryAttempt,
    DeliveryOutcome,
    RelayCursor,
    RelayLease,
    Subscription,
    SubscriptionKind,
)

__all__ = [
    "DeadLetter",
    "DeadLetterState",
    "DeliveryAttempt",
    "DeliveryOutcome",
    "EventSource",
    "InboundEvent",
    "InboundEventStatus",
    "RelayCursor",
    "RelayLease",
    "Subscription",
    "SubscriptionKind",
]
