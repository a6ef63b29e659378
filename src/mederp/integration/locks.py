"""Every lock integration takes (STYLE rule 5)."""

from __future__ import annotations

from collections.abc import Iterable

from mederp.core.locks import advisory_xact_lock
from mederp.integration.models import DeadLetter, Subscription


def lock_event(source: str, event_id: str) -> None:
    """Serialise deliveries of one event id until the transaction ends: a redelivery waits for
    the first delivery to commit or roll back, then finds its stored row (or handles the event
    itself), so the effect happens once (invariant 5). Taken before any row lock."""
    advisory_xact_lock(f"integration.event:{source}:{event_id}")


def lock_subscription(pk: int) -> Subscription | None:
    """The subscription row, locked until the transaction ends (configuration changes)."""
    return Subscription.objects.select_for_update().filter(pk=pk).first()


def lock_dead_letters(ids: Iterable[int]) -> list[DeadLetter]:
    """The dead letters, locked in primary-key order, so a replay request and the relay taking
    a replayed letter never both act on one row."""
    return list(
        DeadLetter.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(set(ids)))
        .select_related("subscription", "event")
        .order_by("pk")
    )
