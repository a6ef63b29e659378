"""NCRs under /api/v1/quality/ncrs (QE-01; ISO 13485 §8.3): list and filter, read, raise,
record the investigation, decide the disposition by signature, close by signature.

Signed operations take the credentials in the body (``SignIn``), never a signature id (ES-04);
re-authentication runs outside the idempotency guard (a refused password leaves its
security-log record) and a retried request with the same Idempotency-Key replays the first
answer. Quantities are decimal strings.
"""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field, StrictInt, StrictStr

from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import answered, replay_lost, run_idempotent, session_key
from mederp.core.schemas import ERRORS, Offset, SignatureOut, SignIn, StrictIn, signature_body
from mederp.quality.nonconformance import selectors, services
from mederp.quality.nonconformance.models import Nonconformance
from mederp.quality.nonconformance.services.common import qty
from mederp.quality.nonconformance.signing import (
    ADD_PERMISSION,
    CLOSE_PERMISSION,
    DISPOSITION_PERMISSION,
    INVESTIGATE_PERMISSION,
    VIEW_PERMISSION,
)

router = Router(tags=["quality"])

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]


class ItemOut(Schema):
    id: int
    lot_id: int | None
    lot_number: str
    serial_id: int | None
    serial_number: str
    quantity: str
    location_id: int | None
    location_code: str
    status_before: str
    status_now: str
    hold_reference: str
    disposition_move_id: int | None


class NcrOut(Schema):
    id: int
    number: str
    source: str
    source_id: int | None
    source_ref: str
    product_id: int
    product_code: str
    supplier_id: int | None
    description: str
    severity: str
    state: str
    detected_at: dt.datetime
    opened_at: dt.datetime
    opened_by: str
    investigation: str
    root_cause: str
    disposition: str
    disposition_reason: str
    return_reference: str
    dispositioned_at: dt.datetime | None
    dispositioned_by: str
    closed_at: dt.datetime | None
    closed_by: str
    capa_id: int | None
    version: int


class NcrDetailOut(NcrOut):
    items: list[ItemOut]
    signatures: list[SignatureOut]


class NcrPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[NcrOut]


class NcrQuery(Schema):
    state: str = Field(default="", max_length=16)
    source: str = Field(default="", max_length=16)
    supplier: int | None = Field(default=None, description="Supplier (partner) id")
    product: int | None = Field(default=None, description="Product id")
    limit: int = Field(default=50, ge=1, le=500)
    offset: Offset = 0


def ncr_body(n: Nonconformance) -> dict[str, Any]:
    return {
        "id": n.pk,
        "number": n.number,
        "source": n.source,
        "source_id": n.source_id,
        "source_ref": n.source_ref,
        "product_id": n.product_id,
        "product_code": n.product.code,
        "supplier_id": n.supplier_id,
        "description": n.description,
        "severity": n.severity,
        "state": n.state,
        "detected_at": n.detected_at,
        "opened_at": n.opened_at,
        "opened_by": n.opened_by_name,
        "investigation": n.investigation,
        "root_cause": n.root_cause,
        "disposition": n.disposition,
        "disposition_reason": n.disposition_reason,
        "return_reference": n.return_reference,
        "dispositioned_at": n.dispositioned_at,
        "dispositioned_by": n.dispositioned_by_name,
        "closed_at": n.closed_at,
        "closed_by": n.closed_by_name,
        "capa_id": n.capa_id,
        "version": n.version,
    }


def _status(item: Any) -> str:
    record = item.serial or item.lot
    return str(record.status) if record is not None else ""


def detail_json(ncr_id: int) -> dict[str, Any]:
    n = get_object_or_404(Nonconformance.objects.select_related("product"), pk=ncr_id)
    items = [
        {
            "id": i.pk,
            "lot_id": i.lot_id,
            "lot_number": i.lot.number if i.lot else "",
            "serial_id": i.serial_id,
            "serial_number": i.serial.serial_number if i.serial else "",
            "quantity": qty(i.quantity),
            "location_id": i.location_id,
            "location_code": i.location.code if i.location else "",
            "status_before": i.status_before,
            "status_now": _status(i),
            "hold_reference": i.hold_reference,
            "disposition_move_id": i.disposition_move_id,
        }
        for i in selectors.items_of(n)
    ]
    body = {
        **ncr_body(n),
        "items": items,
        "signatures": [signature_body(v) for v in signatures.signatures_for(n)],
    }
    return NcrDetailOut.model_validate(body).model_dump(mode="json")


@router.get("/ncrs", response={200: NcrPage, **ERRORS})
@require_perm(VIEW_PERMISSION)
def list_ncrs(request: HttpRequest, filters: Query[NcrQuery]) -> Any:
    qs = selectors.ncr_list(
        state=filters.state or None,
        source=filters.source or None,
        supplier_id=filters.supplier,
        product_id=filters.product,
    )
    items = [ncr_body(n) for n in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.get("/ncrs/{ncr_id}", response={200: NcrDetailOut, **ERRORS})
@require_perm(VIEW_PERMISSION)
def get_ncr(request: HttpRequest, ncr_id: int) -> Any:
    return detail_json(ncr_id)


class ItemIn(StrictIn):
    lot_id: int | None = None
    serial_id: int | None = None
    quantity: Exact
    location_id: int | None = Field(
        default=None, description="Where the stock is; default: its stock on hand, largest first"
    )


class OpenIn(StrictIn):
    source: str = Field(
        max_length=16, description="receipt, inspection, production, complaint, audit, other"
    )
    source_id: int | None = None
    source_ref: str = Field(default="", max_length=120)
    product_id: int
    supplier_id: int | None = None
    description: str = Field(max_length=5000)
    severity: str = Field(default="major", max_length=8, description="minor, major, critical")
    items: list[ItemIn] = Field(default_factory=list, max_length=200)


@router.post("/ncrs", response={201: NcrDetailOut, **ERRORS})
@require_perm(ADD_PERMISSION)
def open_ncr(request: HttpRequest, payload: OpenIn) -> Any:
    """Raise an NCR; the affected lots and serials go on hold. Refused with nothing written:
    ``nonconformance.*`` (unknown source or severity, product or description missing, an item
    unidentified, of another product, not positive, above the stock on hand, or twice)."""

    def execute() -> tuple[int, Any]:
        ncr = services.open_ncr(
            Actor.from_request(request),
            source=payload.source,
            source_id=payload.source_id,
            source_ref=payload.source_ref,
            product=payload.product_id,
            supplier=payload.supplier_id,
            description=payload.description,
            severity=payload.severity,
            items=[
                services.AffectedItem(i.lot_id, i.serial_id, i.quantity, i.location_id)  # type: ignore[arg-type]
                for i in payload.items
            ],
        )
        return 201, detail_json(ncr.pk)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class InvestigateIn(StrictIn):
    investigation: str = Field(max_length=10000)
    root_cause: str = Field(default="", max_length=5000)
    capa_id: int | None = None


@router.post("/ncrs/{ncr_id}/investigate", response={200: NcrDetailOut, **ERRORS})
@require_perm(INVESTIGATE_PERMISSION)
def investigate_ncr(request: HttpRequest, ncr_id: int, payload: InvestigateIn) -> Any:
    """Record the investigation and root cause (state ``investigating``)."""

    def execute() -> tuple[int, Any]:
        services.investigate_ncr(
            Actor.from_request(request),
            ncr_id,
            investigation=payload.investigation,
            root_cause=payload.root_cause,
            capa_id=payload.capa_id,
        )
        return 200, detail_json(ncr_id)

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


class DispositionIn(SignIn):
    """The decision and the signer's credentials; ``reason`` is the justification."""

    disposition: str = Field(
        max_length=20, description="use_as_is, rework, scrap or return_to_supplier"
    )
    return_reference: str = Field(default="", max_length=64, description="Supplier's RMA")


def _guarded(request: HttpRequest, fingerprint: Any, ncr_id: int) -> Any:
    def guarded(work: Any) -> Any:
        def execute() -> tuple[int, Any]:
            work()
            return 200, detail_json(ncr_id)

        return run_idempotent(request, fingerprint, execute)

    return guarded


@router.post("/ncrs/{ncr_id}/disposition", response={200: NcrDetailOut, **ERRORS})
@require_perm(DISPOSITION_PERMISSION)
def disposition_ncr(request: HttpRequest, ncr_id: int, payload: DispositionIn) -> Any:
    """Decide the disposition, signed ``approved``, and carry it out: scrap and return reject
    the lots/serials (each signed ``rejected`` by the same person: in a continuous session only
    the first signature needs the TOTP code) and move the stock to the scrap or supplier
    location. Refused with nothing written: ``workflow.wrong_state`` (409),
    ``nonconformance.*``, ``signatures.*``, ``identity.*``."""
    fingerprint = payload.model_dump(mode="json", exclude={"password", "totp"})
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)
    return services.disposition_ncr(
        Actor.from_request(request),
        ncr_id,
        disposition=payload.disposition,
        reason=payload.reason,
        return_reference=payload.return_reference,
        password=payload.password,
        totp=payload.totp,
        session_key=session_key(request),
        around=_guarded(request, fingerprint, ncr_id),
    )


class CloseIn(SignIn):
    capa_id: int | None = Field(default=None, description="The CAPA opened for this NCR")


@router.post("/ncrs/{ncr_id}/close", response={200: NcrDetailOut, **ERRORS})
@require_perm(CLOSE_PERMISSION)
def close_ncr(request: HttpRequest, ncr_id: int, payload: CloseIn) -> Any:
    """Close a dispositioned NCR, signed ``closed``."""
    fingerprint = payload.model_dump(mode="json", exclude={"password", "totp"})
    if answered(request):
        return run_idempotent(request, fingerprint, replay_lost)
    return services.close_ncr(
        Actor.from_request(request),
        ncr_id,
        reason=payload.reason,
        capa_id=payload.capa_id,
        password=payload.password,
        totp=payload.totp,
        session_key=session_key(request),
        around=_guarded(request, fingerprint, ncr_id),
    )
