"""Closing an NCR by signature (QE-01; ISO 13485 §8.3; 21 CFR 11.50): once dispositioned, QA
signs it closed (meaning ``closed``), optionally naming the CAPA opened for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox, signatures, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.quality.nonconformance import events
from mederp.quality.nonconformance.locks import lock_ncr
from mederp.quality.nonconformance.models import NcrState, Nonconformance
from mederp.quality.nonconformance.services.common import user_of
from mederp.quality.nonconformance.services.investigation import check_capa_id
from mederp.quality.nonconformance.signing import CLOSE, CLOSED, NCR


def _precheck(actor: Actor, ncr: Nonconformance) -> None:
    workflow.check(actor, ncr, CLOSE)


def close_ncr(
    actor: Actor,
    ncr_id: int,
    *,
    password: str,
    totp: str | None = None,
    session_key: str | None = None,
    reason: str = "",
    capa_id: int | None = None,
    around: Callable[[Callable[[], Nonconformance]], Any] | None = None,
) -> Any:
    """Close a dispositioned NCR by signature (permission
    ``nonconformance.close_nonconformance``). Returns the NCR, or what ``around`` (the API's
    idempotency guard) returned. Event ``ncr.closed``."""
    found = Nonconformance.objects.select_related("product").filter(pk=ncr_id).first()
    if found is None:
        raise NotFound(record_type="Nonconformance", record_id=ncr_id)
    capa = check_capa_id(capa_id)
    signer = signatures.authenticate(
        found,
        CLOSED,
        actor.user,
        password,
        totp,
        reason=reason,
        session_key=session_key,
        also=lambda: _precheck(actor, found),
    )

    def work() -> Nonconformance:
        with transaction.atomic():
            ncr = lock_ncr(ncr_id)
            workflow.check(actor, ncr, CLOSE)
            sig = signatures.record(ncr, CLOSED, signer, reason=reason)
            old_capa = ncr.capa_id
            ncr.state = NcrState.CLOSED
            ncr.closed_at = clock.now()
            ncr.closed_by = user_of(actor)
            ncr.closed_by_name = actor.name[:200]
            ncr.close_signature = sig
            ncr.close_reason = (reason or "").strip()
            if capa is not None:
                ncr.capa_id = capa
            ncr.version += 1
            ncr.save(
                update_fields=[
                    "state",
                    "closed_at",
                    "closed_by",
                    "closed_by_name",
                    "close_signature",
                    "close_reason",
                    "capa_id",
                    "version",
                ]
            )
            changes: dict[str, list[Any]] = {
                "state": [NcrState.DISPOSITIONED.value, NcrState.CLOSED.value],
                "close_signature": [None, sig.pk],
            }
            if ncr.capa_id != old_capa:
                changes["capa_id"] = [old_capa, ncr.capa_id]
            audit.record(
                actor,
                action="transition",
                instance=ncr,
                changes=changes,
                reason=reason,
                require_reason=False,
            )
            outbox.emit(
                actor,
                events.NCR_CLOSED,
                aggregate_type=NCR,
                aggregate_id=ncr.pk,
                payload={
                    "id": ncr.pk,
                    "number": ncr.number,
                    "signature_id": sig.pk,
                    "capa_id": ncr.capa_id,
                    "reason": ncr.close_reason,
                },
            )
        return ncr

    with signatures.refusals_recorded(found, CLOSED, actor.user):
        return work() if around is None else around(work)
