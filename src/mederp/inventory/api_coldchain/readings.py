"""Temperature ingest and readings (CN-14, DI-02, DI-03, DI-09).

A reading is an inbound event under the shared conventions (:mod:`mederp.core.inbound`;
docs/integration.md): ``reading_id`` is its event id, ``source`` its source system (the logger),
``measured_at`` its occurred-at. A reading sent again keeps its first answer (201, same JSON,
as this endpoint always did) and is flagged ``Idempotent-Replay: true``.
"""

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from mederp.core import inbound
from mederp.core.actors import Actor
from mederp.core.apiperms import require_perm
from mederp.core.idempotency import run_idempotent
from mederp.core.schemas import ERRORS
from mederp.inventory.api_coldchain.common import (
    MonitoredLocationOut,
    ReadingBatchIn,
    ReadingBatchOut,
    ReadingIn,
    ReadingOut,
    as_json,
    reading_body,
    router,
)
from mederp.inventory.coldchain import selectors, services


def _reading_data(item: ReadingIn, raw: str) -> services.ReadingData:
    return services.ReadingData(
        reading_id=item.reading_id,
        location=item.location_id,
        measured_at=item.measured_at,
        celsius=item.celsius,
        source=item.source,
        raw=item.raw if item.raw is not None else raw,
    )


def _received_items(request: HttpRequest) -> list[str]:
    """Each batch item's JSON as received (the body parsed already, so it is valid JSON)."""
    items = json.loads(request.body).get("readings", [])
    return [json.dumps(i, ensure_ascii=False, separators=(",", ":")) for i in items]


@router.post("/temperature-readings", response={201: ReadingOut, **ERRORS})
@require_perm("inventory.add_temperaturereading")
def record_reading(request: HttpRequest, payload: ReadingIn, response: HttpResponse) -> Any:
    """Record one logger reading. Sent again with the same values it is answered as before
    (201, same body, ``Idempotent-Replay: true``) and writes nothing; a reading outside the
    storage range of stock at its location holds that stock and opens an excursion (CN-14)."""
    raw = request.body.decode("utf-8", errors="replace")

    def execute() -> tuple[int, Any]:
        answer = services.record_reading(Actor.from_request(request), _reading_data(payload, raw))
        inbound.mark_replay(response, not answer.created)
        return 201, as_json(ReadingOut, reading_body(answer.reading))

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.post("/temperature-readings/batch", response={201: ReadingBatchOut, **ERRORS})
@require_perm("inventory.add_temperaturereading")
def record_readings(request: HttpRequest, payload: ReadingBatchIn, response: HttpResponse) -> Any:
    """Record up to 1,000 readings in one transaction (all or none; a refusal names the item in
    ``details.index``). Readings already recorded are answered as before; a batch of nothing
    but such readings is flagged ``Idempotent-Replay: true``."""
    raws = _received_items(request)

    def execute() -> tuple[int, Any]:
        answers = services.record_readings(
            Actor.from_request(request),
            [_reading_data(item, raw) for item, raw in zip(payload.readings, raws, strict=True)],
        )
        inbound.mark_replay(response, not any(a.created for a in answers))
        return 201, {"readings": [as_json(ReadingOut, reading_body(a.reading)) for a in answers]}

    return run_idempotent(request, payload.model_dump(mode="json"), execute)


@router.get("/temperature-readings", response={200: list[ReadingOut], **ERRORS})
@require_perm("inventory.view_temperaturereading")
def list_readings(
    request: HttpRequest,
    location: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
) -> Any:
    """Readings, newest first (``limit`` 1 to 1,000)."""
    qs = selectors.readings(location_id=location, since=since, until=until)
    qs = qs[: max(1, min(limit, 1000))]
    return [reading_body(r) for r in qs]


@router.get("/cold-chain/locations", response={200: list[MonitoredLocationOut], **ERRORS})
@require_perm("inventory.view_temperaturereading", "inventory.view_location")
def monitored_locations(request: HttpRequest, warehouse: int | None = None) -> Any:
    """Cold rooms and every location with readings: range, latest reading, open excursion."""
    return [
        {
            "location_id": m.location.pk,
            "warehouse_code": m.location.warehouse.code,
            "code": m.location.code,
            "name": m.location.name,
            "kind": m.location.kind,
            "temp_min_c": m.location.temp_min_c,
            "temp_max_c": m.location.temp_max_c,
            "latest": reading_body(m.latest) if m.latest is not None else None,
            "open_excursion_id": m.excursion.pk if m.excursion is not None else None,
        }
        for m in selectors.monitored_locations(warehouse_id=warehouse)
    ]
