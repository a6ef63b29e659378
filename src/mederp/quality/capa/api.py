"""CAPAs under /api/v1/quality/capas (QE-07; ISO 13485 §8.5.2, §8.5.3): list (with the
``overdue`` flag), one CAPA with its actions and links, open, root cause, actions, verification,
effectiveness check, closure by signature, cancel, links, and the aging buckets.

Creating POSTs take an ``Idempotency-Key``. Closing takes the signer's credentials in the body
(``SignIn``); re-authentication runs outside the idempotency guard, as for recalls.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, StrictInt, StrictStr

from mederp.core import signatures, workflow
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, replay_lost, run_idempotent, session_key
from mederp.core.schemas import ERRORS, Offset, SignatureOut, SignIn, StrictIn, signature_body
from mederp.quality.capa import selectors, services
from mederp.quality.capa.errors import CapaNotFound, OwnerNotFound
from mederp.quality.capa.models import Capa, CapaAction, CapaLink

router = Router(tags=["quality"])

VIEW = "capa.view_capa"
ADD = "capa.add_capa"
CHANGE = "capa.change_capa"
CHECK = "capa.check_capa_effectiveness"
CLOSE = "capa.close_capa"


class ActionOut(Schema):
    id: int
    description: str
    kind: str
    owner_id: int
    owner: str
    due_date: dt.date
    done_at: dt.datetime | None
    evidence: str
    overdue: bool


class LinkOut(Schema):
    kind: str
    ref_id: int | None
    ref_number: str


class CapaOut(Schema):
    id: int
    number: str
    kind: str
    title: str
    problem: str
    state: str
    owner_id: int | None
    owner: str
    due_date: dt.date | None
    opened_at: dt.datetime
    opened_by: str
    root_cause: str
    root_cause_method: str
    effectiveness_criteria: str
    effectiveness_due: dt.date | None
    effectiveness_result: str
    effectiveness_evidence: str
    effectiveness_checked_at: dt.datetime | None
    closed_at: dt.datetime | None
    cancel_reason: str
    overdue: bool = Field(description="Not closed, and its due date or an open action's passed")
    version: int


class CapaDetailOut(CapaOut):
    actions: list[ActionOut]
    links: list[LinkOut]
    signatures: list[SignatureOut]


class CapaPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CapaOut]


class CapaQuery(Schema):
    state: str = Field(default="", max_length=16)
    overdue: bool | None = Field(default=None, description="Only overdue (true) or not (false)")
    owner: int | None = Field(default=None, description="The owner's user id")
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


class AgingOut(Schema):
    bucket: str
    label: str
    count: int
    overdue: int
    by_state: dict[str, int]


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "printed_name", "") or user.get_username())


def capa_body(c: Capa, overdue: bool) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "kind": c.kind,
        "title": c.title,
        "problem": c.problem,
        "state": c.state,
        "owner_id": c.owner_id,
        "owner": _name(c.owner),
        "due_date": c.due_date,
        "opened_at": c.opened_at,
        "opened_by": c.opened_by_name,
        "root_cause": c.root_cause,
        "root_cause_method": c.root_cause_method,
        "effectiveness_criteria": c.effectiveness_criteria,
        "effectiveness_due": c.effectiveness_due,
        "effectiveness_result": c.effectiveness_result,
        "effectiveness_evidence": c.effectiveness_evidence,
        "effectiveness_checked_at": c.effectiveness_checked_at,
        "closed_at": c.closed_at,
        "cancel_reason": c.cancel_reason,
        "overdue": overdue,
        "version": c.version,
    }


def _action_body(a: CapaAction) -> dict[str, Any]:
    return {
        "id": a.pk,
        "description": a.description,
        "kind": a.kind,
        "owner_id": a.owner_id,
        "owner": _name(a.owner),
        "due_date": a.due_date,
        "done_at": a.done_at,
        "evidence": a.evidence,
        "overdue": getattr(a, "overdue", False),
    }


def _link_body(link: CapaLink) -> dict[str, Any]:
    return {"kind": link.kind, "ref_id": link.ref_id, "ref_number": link.ref_number}


def detail_json(capa_id: int) -> dict[str, Any]:
    c = selectors.get_capa(capa_id)
    if c is None:
        raise CapaNotFound(record_id=capa_id)
    body = {
        **capa_body(c, c.overdue),  # type: ignore[attr-defined]
        "actions": [_action_body(a) for a in c.action_rows],  # type: ignore[attr-defined]
        "links": [_link_body(link) for link in c.link_rows],  # type: ignore[attr-defined]
        "signatures": [signature_body(v) for v in signatures.signatures_for(c)],
    }
    return CapaDetailOut.model_validate(body).model_dump(mode="json")


def _owner(user_id: int | None) -> Any:
    if user_id is None:
        return None
    user = selectors.active_user(user_id)
    if user is None:
        raise OwnerNotFound(owner_id=user_id, field="owner_id")
    return user


@router.get("/capas", response={200: CapaPage, **ERRORS})
@require_perm(VIEW)
def list_capas(request: HttpRequest, filters: Query[CapaQuery]) -> Any:
    """CAPAs, newest first; ``overdue`` flags a CAPA past its due date or with an open action
    past its own."""
    rows = selectors.list_capas(
        state=filters.state, overdue=filters.overdue, owner_id=filters.owner
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "count": len(rows),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [capa_body(c, c.overdue) for c in page],  # type: ignore[attr-defined]
    }


@router.get("/capas/aging", response={200: list[AgingOut], **ERRORS})
@require_perm(VIEW)
def capa_aging(request: HttpRequest) -> Any:
    """Open CAPAs by age since opening (0–30, 31–60, 61–90, over 90 days) and state."""
    return selectors.capa_aging()


@router.get("/capas/{capa_id}", response={200: CapaDetailOut, **ERRORS})
@require_perm(VIEW)
def get_capa(request: HttpRequest, capa_id: int) -> Any:
    return detail_json(capa_id)


class LinkIn(StrictIn):
    kind: str = Field(max_length=12, description='"ncr", "complaint", "recall" or "audit"')
    ref: StrictInt | StrictStr = Field(
        description="The NCR's, complaint's or recall's id; an audit's reference text"
    )


class CapaOpenIn(StrictIn):
    title: str = Field(max_length=200)
    problem: str = Field(max_length=10000)
    kind: str = Field(
        default="corrective", max_length=12, description='"corrective" or "preventive"'
    )
    owner_id: int | None = None
    due_date: dt.date | None = None
    effectiveness_criteria: str = Field(default="", max_length=5000)
    effectiveness_due: dt.date | None = Field(default=None, description="Check due by")
    links: list[LinkIn] = Field(default_factory=list, max_length=100)


def _write(request: HttpRequest, payload: Any, status: int, work: Any) -> Any:
    fingerprint = payload.model_dump(mode="json")

    def execute() -> tuple[int, Any]:
        capa_id = work()
        return status, detail_json(capa_id)

    return run_idempotent(request, fingerprint, execute)


@router.post("/capas", response={201: CapaDetailOut, **ERRORS})
@require_perm(ADD)
def open_capa(request: HttpRequest, payload: CapaOpenIn) -> Any:
    """Open a CAPA linked to NCRs, complaints, recalls (by id) or audits (by reference).
    Refused with nothing written: ``capa.field_required``, ``capa.unknown_link_kind``,
    ``capa.link_target_not_found``, ``capa.link_duplicate``, ``capa.owner_not_found``,
    ``capa.due_date_in_past``."""

    def work() -> int:
        return services.open_capa(
            Actor.from_request(request),
            title=payload.title,
            problem=payload.problem,
            kind=payload.kind,
            owner=_owner(payload.owner_id),
            due_date=payload.due_date,
            effectiveness_criteria=payload.effectiveness_criteria,
            effectiveness_due=payload.effectiveness_due,
            links=[(link.kind, link.ref) for link in payload.links],
        ).pk

    return _write(request, payload, 201, work)


class RootCauseIn(StrictIn):
    root_cause: str = Field(max_length=10000)
    method: str = Field(max_length=12, description='"5why", "fishbone", "fault_tree", "other"')


@router.post("/capas/{capa_id}/root-cause", response={200: CapaDetailOut, **ERRORS})
@require_perm(CHANGE)
def record_root_cause(request: HttpRequest, capa_id: int, payload: RootCauseIn) -> Any:
    """Record or revise the root cause; an open CAPA goes to investigating."""

    def work() -> int:
        return services.record_root_cause(
            Actor.from_request(request),
            capa_id,
            root_cause=payload.root_cause,
            method=payload.method,
        ).pk

    return _write(request, payload, 200, work)


class ActionIn(StrictIn):
    description: str = Field(max_length=5000)
    kind: str = Field(default="corrective", max_length=12)
    owner_id: int
    due_date: dt.date


@router.post("/capas/{capa_id}/actions", response={201: CapaDetailOut, **ERRORS})
@require_perm(CHANGE)
def add_action(request: HttpRequest, capa_id: int, payload: ActionIn) -> Any:
    """Add an action with its owner and due date; the first one starts implementation."""

    def work() -> int:
        services.add_action(
            Actor.from_request(request),
            capa_id,
            description=payload.description,
            kind=payload.kind,
            owner=_owner(payload.owner_id),
            due_date=payload.due_date,
        )
        return capa_id

    return _write(request, payload, 201, work)


class CompleteIn(StrictIn):
    evidence: str = Field(max_length=5000)


@router.post(
    "/capas/{capa_id}/actions/{action_id}/complete", response={200: CapaDetailOut, **ERRORS}
)
@require_perm(VIEW)
def complete_action(request: HttpRequest, capa_id: int, action_id: int, payload: CompleteIn) -> Any:
    """Record an action done, with its evidence. Open to the action's owner (who needs only
    ``capa.view_capa``) and to QA (``capa.change_capa``); anyone else is refused
    (``capa.not_action_owner``, 403). A second completion is refused
    (``capa.action_already_done``, 409)."""

    def work() -> int:
        services.complete_action(
            Actor.from_request(request), capa_id, action_id, evidence=payload.evidence
        )
        return capa_id

    return _write(request, payload, 200, work)


class EmptyIn(StrictIn):
    pass


@router.post("/capas/{capa_id}/verify", response={200: CapaDetailOut, **ERRORS})
@require_perm(CHANGE)
def start_verification(request: HttpRequest, capa_id: int, payload: EmptyIn) -> Any:
    """Every action done: the CAPA waits for its effectiveness check."""

    def work() -> int:
        return services.start_verification(Actor.from_request(request), capa_id).pk

    return _write(request, payload, 200, work)


class EffectivenessIn(StrictIn):
    result: str = Field(max_length=16, description='"effective" or "not_effective"')
    evidence: str = Field(max_length=10000)
    criteria: str = Field(default="", max_length=5000)


@router.post("/capas/{capa_id}/effectiveness", response={200: CapaDetailOut, **ERRORS})
@require_perm(CHECK)
def check_effectiveness(request: HttpRequest, capa_id: int, payload: EffectivenessIn) -> Any:
    """Record the effectiveness check; "not_effective" sends the CAPA back to implementing."""

    def work() -> int:
        return services.check_effectiveness(
            Actor.from_request(request),
            capa_id,
            result=payload.result,
            evidence=payload.evidence,
            criteria=payload.criteria,
        ).pk

    return _write(request, payload, 200, work)


class CapaCancelIn(StrictIn):
    reason: str = Field(max_length=2000)


@router.post("/capas/{capa_id}/cancel", response={200: CapaDetailOut, **ERRORS})
@require_perm(CHANGE)
def cancel_capa(request: HttpRequest, capa_id: int, payload: CapaCancelIn) -> Any:
    def work() -> int:
        return services.cancel_capa(Actor.from_request(request), capa_id, reason=payload.reason).pk

    return _write(request, payload, 200, work)


@router.post("/capas/{capa_id}/links", response={201: CapaDetailOut, **ERRORS})
@require_perm(CHANGE)
def add_link(request: HttpRequest, capa_id: int, payload: LinkIn) -> Any:
    """Link one more NCR, complaint, recall or audit."""

    def work() -> int:
        services.add_link(Actor.from_request(request), capa_id, kind=payload.kind, ref=payload.ref)
        return capa_id

    return _write(request, payload, 201, work)


@router.post("/capas/{capa_id}/close", response={200: CapaDetailOut, **ERRORS})
@require_perm(CLOSE)
def close_capa(request: HttpRequest, capa_id: int, payload: SignIn) -> Any:
    """Close by signature (meaning ``closed``). Refused with nothing written:
    ``capa.effectiveness_check_missing`` (409) without an effective effectiveness check,
    ``capa.actions_open`` (409), ``workflow.wrong_state`` (409), a wrong password or TOTP."""
    fingerprint = payload.model_dump(mode="json", exclude={"password", "totp"})
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)

    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            capa = work()
            return 200, detail_json(capa.pk)

        return run_idempotent(request, fingerprint, execute)

    return services.close_capa(
        Actor.from_request(request),
        capa_id,
        reason=payload.reason,
        credentials=workflow.Credentials(
            password=payload.password, totp=payload.totp, session_key=session_key(request)
        ),
        around=guarded,
    )
