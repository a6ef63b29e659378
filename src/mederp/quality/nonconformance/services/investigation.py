"""Recording an NCR's investigation and root cause (ISO 13485 §8.3.1, §8.5.2: the cause of a
nonconformity is investigated and recorded)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mederp.core import audit, clock, outbox, workflow
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.quality.nonconformance import errors, events
from mederp.quality.nonconformance.locks import lock_ncr
from mederp.quality.nonconformance.models import NcrState, Nonconformance
from mederp.quality.nonconformance.signing import INVESTIGATE, NCR


def check_capa_id(capa_id: Any) -> int | None:
    if capa_id is None or capa_id == "":
        return None
    if isinstance(capa_id, bool) or not isinstance(capa_id, int) or capa_id <= 0:
        raise errors.CapaNotFound(capa_id=capa_id, field="capa_id")
    return capa_id


def investigate_ncr(
    actor: Actor,
    ncr_id: int,
    *,
    investigation: str,
    root_cause: str = "",
    capa_id: int | None = None,
) -> Nonconformance:
    """Record (or revise) what the investigation found and the root cause; the NCR is then
    ``investigating``. Permission ``nonconformance.investigate_nonconformance``; allowed while
    open or investigating (``workflow.wrong_state`` after the disposition). ``capa_id`` links
    the CAPA opened for it (by id: the CAPA app is separate). Event ``ncr.investigated``."""
    found = Nonconformance.objects.filter(pk=ncr_id).first()
    if found is None:
        raise NotFound(record_type="Nonconformance", record_id=ncr_id)
    workflow.check(actor, found, INVESTIGATE)
    text = (investigation or "").strip()
    if not text:
        raise errors.InvestigationRequired(field="investigation")
    capa = check_capa_id(capa_id)
    with transaction.atomic():
        ncr = lock_ncr(ncr_id)
        workflow.check(actor, ncr, INVESTIGATE)
        before = {
            "state": ncr.state,
            "investigation": ncr.investigation,
            "root_cause": ncr.root_cause,
            "capa_id": ncr.capa_id,
        }
        ncr.state = NcrState.INVESTIGATING
        ncr.investigation = text
        ncr.root_cause = (root_cause or "").strip()
        if capa is not None:
            ncr.capa_id = capa
        ncr.investigated_at = clock.now()
        ncr.investigated_by_name = actor.name[:200]
        ncr.version += 1
        ncr.save(
            update_fields=[
                "state",
                "investigation",
                "root_cause",
                "capa_id",
                "investigated_at",
                "investigated_by_name",
                "version",
            ]
        )
        after = {
            "state": ncr.state,
            "investigation": ncr.investigation,
            "root_cause": ncr.root_cause,
            "capa_id": ncr.capa_id,
        }
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        audit.record(
            actor,
            action="transition",
            instance=ncr,
            changes=changes,
            reason="investigation recorded",
            require_reason=False,
        )
        outbox.emit(
            actor,
            events.NCR_INVESTIGATED,
            aggregate_type=NCR,
            aggregate_id=ncr.pk,
            payload={
                "id": ncr.pk,
                "number": ncr.number,
                "investigation": ncr.investigation,
                "root_cause": ncr.root_cause,
                "capa_id": ncr.capa_id,
            },
        )
    return ncr
