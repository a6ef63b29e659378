"""Closing an excursion (CN-14; 21 CFR 11.50, 11.70): QA's signed statement, with the assessment
as its reason, that the excursion is over and every stock it affected was evaluated.

Refused while a hold it placed is still waiting for a decision (release or reject,
:mod:`.holds`), and while the latest reading at the location is still outside the range of stock
there: the next bad reading would open a new excursion at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox, signatures
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory.coldchain import events, rules
from mederp.inventory.coldchain.errors import (
    ExcursionHoldsActive,
    ExcursionNotOpen,
    ExcursionStillOut,
)
from mederp.inventory.coldchain.ingest import HOLD_SOURCE, excursion_payload, stored_items
from mederp.inventory.coldchain.locks import lock_excursion
from mederp.inventory.coldchain.signing import CLOSED
from mederp.inventory.locks import lock_location
from mederp.inventory.models import Excursion, ExcursionStatus, StockHold, TemperatureReading


def active_holds_of(excursion: Excursion) -> list[int]:
    return list(
        StockHold.objects.filter(
            source_type=HOLD_SOURCE, source_id=str(excursion.pk), released_at__isnull=True
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def latest_reading(location_id: int) -> TemperatureReading | None:
    return (
        TemperatureReading.objects.filter(location_id=location_id)
        .order_by("-measured_at", "-id")
        .first()
    )


def _check_closable(excursion: Excursion) -> None:
    if excursion.status != ExcursionStatus.OPEN:
        raise ExcursionNotOpen(excursion=excursion.pk)
    holds = active_holds_of(excursion)
    if holds:
        raise ExcursionHoldsActive(excursion=excursion.pk, count=len(holds), holds=holds)
    latest = latest_reading(excursion.location_id)
    if latest is not None and rules.affected(latest.celsius, stored_items(latest.location_id)):
        raise ExcursionStillOut(
            location=excursion.location.code,
            celsius=latest.celsius,
            measured_at=latest.measured_at.strftime("%Y-%m-%d %H:%M UTC"),
            reading_id=latest.reading_id,
        )


def close_excursion(
    actor: Actor,
    excursion_id: int,
    *,
    password: str,
    reason: str,
    totp: str | None = None,
    session_key: str | None = None,
    around: Callable[[Callable[[], Excursion]], Any] | None = None,
) -> Any:
    """Close an open excursion by signature (meaning ``closed``, permission
    ``inventory.close_excursion``; the reason, QA's assessment, is required). Returns the
    excursion, or what ``around`` (the API's idempotency guard) returned."""
    found = Excursion.objects.select_related("location").filter(pk=excursion_id).first()
    if found is None:
        raise NotFound(record_type="Excursion", record_id=excursion_id)
    signer = signatures.authenticate(
        found,
        CLOSED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _check_closable(found),
    )

    def work() -> Excursion:
        with transaction.atomic():
            lock_location(found.location_id)
            excursion = lock_excursion(excursion_id)
            _check_closable(excursion)
            sig = signatures.record(excursion, CLOSED, signer, reason=reason)
            excursion.status = ExcursionStatus.CLOSED
            excursion.closed_at = clock.now()
            excursion.closed_by = actor.user
            excursion.closing_signature = sig
            excursion.closing_reason = reason.strip()
            excursion.version += 1
            excursion.save(
                update_fields=[
                    "status",
                    "closed_at",
                    "closed_by",
                    "closing_signature",
                    "closing_reason",
                    "version",
                ]
            )
            audit.record(
                actor,
                action="transition",
                instance=excursion,
                changes={
                    "status": [ExcursionStatus.OPEN.value, ExcursionStatus.CLOSED.value],
                    "closing_signature": [None, sig.pk],
                },
                reason=reason,
                require_reason=False,
            )
            outbox.emit(
                actor,
                events.EXCURSION_CLOSED,
                aggregate_type="inventory.excursion",
                aggregate_id=excursion.pk,
                payload=excursion_payload(excursion),
            )
        return excursion

    with signatures.refusals_recorded(found, CLOSED, actor.user):
        return work() if around is None else around(work)
