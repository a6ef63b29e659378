"""The conventions every inbound endpoint shares (MES events, LIMS results, WMS events,
temperature readings; invariants 5, 7, 8; docs/integration.md "Inbound conventions").

Every delivery from another system carries three things, checked the same way everywhere:

- **an event id**, the sender's own id of what happened, 1 to :data:`EVENT_ID_MAX` characters:
  the dedupe key (one id is one event for ever; the same id with another body is refused);
- **the source system**, which instance of which system sent it (``LabWare-2``, ``WMS-SH``),
  1 to :data:`SOURCE_SYSTEM_MAX` characters, kept with the stored body (21 CFR 11.10(e):
  inputs from systems are traceable to the system);
- **occurred-at**, when it happened at the sender, an ISO 8601 time with its zone (never
  naive), stored in UTC beside the server's ``received_at``; a time further ahead of the
  server's clock than the allowed skew (:func:`clock_skew`, setting
  ``MEDERP_INBOUND_CLOCK_SKEW_SECONDS``, default 5 minutes) is a wrong clock and refused
  (DI-09 range check) rather than recorded as a record from the future.

The names differ where an endpoint predates this module (``result_id``, ``reading_id``,
``measured_at``, ``source``) and stay as they are (the v1 API is stable); the rules are these.
The kernel holds them because every layer receives: inventory (temperature readings) sits
below integration (.importlinter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from pydantic import AwareDatetime, Field

from mederp.core import clock
from mederp.core.errors import DomainError, ValidationFailed
from mederp.core.schemas import StrictIn

EVENT_ID_MAX = 64
SOURCE_SYSTEM_MAX = 64
DEFAULT_CLOCK_SKEW_SECONDS = 300
#: The header a replayed answer carries (the first delivery's status was 201, this one 200).
REPLAY_HEADER = "Idempotent-Replay"

EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=EVENT_ID_MAX,
        description="The sender's id of the event (a UUID or up to 64 characters); the dedupe key",
    ),
]
SourceSystem = Annotated[
    str,
    Field(
        min_length=1,
        max_length=SOURCE_SYSTEM_MAX,
        description="Which system (and instance) sent it, e.g. LabWare-2",
    ),
]
OptionalSourceSystem = Annotated[
    str,
    Field(
        default="",
        max_length=SOURCE_SYSTEM_MAX,
        description="Which system (and instance) sent it; optional here because this endpoint "
        "predates it",
    ),
]
OccurredAt = Annotated[
    AwareDatetime,
    Field(
        description="When it happened at the sender, ISO 8601 with its zone; at most the "
        "allowed clock skew (5 minutes by default) ahead of the server"
    ),
]


class InboundEnvelope(StrictIn):
    """The three fields every inbound body carries; an endpoint's body derives from it."""

    event_id: EventId
    source_system: SourceSystem
    occurred_at: OccurredAt


class OccurredAtNaive(ValidationFailed):
    code = "inbound.occurred_at_naive"
    message = _("The time {field} must state its UTC offset (for example 2026-06-15T08:00Z).")


class OccurredInFuture(ValidationFailed):
    """DI-09: a time from further ahead than the allowed clock skew is a wrong clock."""

    code = "inbound.occurred_in_future"
    message = _(
        "The time {time} is more than {skew} seconds ahead of the server's clock "
        "({now}); check the sending system's clock."
    )


def clock_skew() -> dt.timedelta:
    """How far ahead of the server a sender's clock may be."""
    seconds = getattr(settings, "MEDERP_INBOUND_CLOCK_SKEW_SECONDS", DEFAULT_CLOCK_SKEW_SECONDS)
    return dt.timedelta(seconds=int(seconds))


def check_occurred_at(
    value: dt.datetime,
    *,
    now: dt.datetime | None = None,
    field: str = "occurred_at",
    naive: type[DomainError] = OccurredAtNaive,
    future: type[DomainError] = OccurredInFuture,
) -> dt.datetime:
    """``value`` in UTC; refused when it has no offset or lies beyond the clock skew ahead of
    ``now`` (default: :func:`mederp.core.clock.now`). ``naive``/``future`` let an endpoint that
    predates this module keep its own codes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise naive(field=field)
    utc = value.astimezone(dt.UTC)
    current = now if now is not None else clock.now()
    skew = clock_skew()
    if utc > current + skew:
        stated = utc.isoformat()
        raise future(
            field=field,
            time=stated,
            now=current.isoformat(),
            skew=int(skew.total_seconds()),
            **{field.rpartition(".")[2]: stated},
        )
    return utc


def body_of(payload: StrictIn, *, optional: Iterable[str] = ("source_system",)) -> dict[str, Any]:
    """The body as JSON for hashing and storage. Envelope fields added to an endpoint after its
    first release (``optional``) are left out while they hold their default, so a redelivery
    from a client that predates them hashes as its first delivery did."""
    body = payload.model_dump(mode="json")
    fields = type(payload).model_fields
    for name in optional:
        if name in body and name in fields and body[name] == fields[name].default:
            del body[name]
    return body


def mark_replay(response: HttpResponse, replayed: bool) -> None:
    """Flag a replayed answer with ``Idempotent-Replay: true``."""
    if replayed:
        response[REPLAY_HEADER] = "true"
