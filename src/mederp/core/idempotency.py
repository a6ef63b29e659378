"""Idempotent creating POSTs (invariant 5).

The key is claimed by inserting an :class:`IdempotencyRecord` in the same transaction as the
service's writes. A concurrent request with the same key blocks on the unique index until the
first commits (PostgreSQL) or waits for the write lock (SQLite), then finds the stored response:
only one request ever executes. A refusal rolls back the claim too, so a corrected retry runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Status
from ninja.responses import NinjaJSONEncoder

from mederp.core import canonical, clock
from mederp.core.errors import Conflict, ValidationFailed
from mederp.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(Conflict):
    code = "idempotency.key_reused"
    message = _("This Idempotency-Key was already used with a different request body.")


class IdempotencyKeyInvalid(ValidationFailed):
    code = "idempotency.key_invalid"
    message = _("The Idempotency-Key header must be 1 to 255 visible characters.")


def request_fingerprint(request: HttpRequest, body: Any) -> str:
    material = f"{request.method}\n{request.path}\n{canonical.dumps(body)}"
    return hashlib.sha256(material.encode()).hexdigest()


def _principal(request: HttpRequest) -> str:
    user = request.user
    kind = "client" if getattr(user, "is_api_client", False) else "user"
    return f"{kind}:{user.pk}"


def answered(request: HttpRequest) -> bool:
    """Whether this request's Idempotency-Key already has a stored response to replay.

    Signing endpoints ask first: a retried approval replays its first answer instead of
    re-authenticating and being refused because the record is already approved.
    """
    key = request.headers.get(HEADER)
    if key is None or not (1 <= len(key) <= 255) or not key.isprintable():
        return False
    return IdempotencyRecord.objects.filter(principal=_principal(request), key=key).exists()


def run_idempotent(
    request: HttpRequest,
    body: Any,
    execute: Callable[[], tuple[int, Any]],
) -> Status[Any] | JsonResponse:
    """Run ``execute`` once per (principal, key); replay its stored response afterwards.

    ``execute`` returns ``(status, json_body)``; the body must already be JSON-safe.
    """
    key = request.headers.get(HEADER)
    if key is None:
        with transaction.atomic():
            return Status(*execute())
    if not (1 <= len(key) <= 255) or not key.isprintable():
        raise IdempotencyKeyInvalid()
    principal = _principal(request)
    fingerprint = request_fingerprint(request, body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    request_hash=fingerprint,
                    method=request.method or "POST",
                    path=request.path[:500],
                    status_code=0,
                    response_body={},
                    created_at=clock.now(),
                )
        except IntegrityError:
            claim = None
        if claim is None:
            return _replay(principal, key, fingerprint)
        status, payload = execute()
        claim.status_code = status
        claim.response_body = as_rendered(payload)
        claim.save(update_fields=["status_code", "response_body"])
        return Status(status, payload)


class _RenderedJSON(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, models.Model):
            return o.pk
        return super().default(o)


def as_rendered(payload: Any) -> Any:
    """The payload as the API's renderer writes it (times to the millisecond, ``Z``), so a
    replay is byte-for-byte the JSON the first call answered, not a more precise cousin."""
    return json.loads(json.dumps(payload, cls=_RenderedJSON))


def _replay(principal: str, key: str, fingerprint: str) -> JsonResponse:
    stored = IdempotencyRecord.objects.get(principal=principal, key=key)
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused(key=key)
    response = JsonResponse(stored.response_body, status=stored.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


def session_key(request: HttpRequest) -> str | None:
    """The session a signed API call rides on (None for a bearer key): the signing service asks
    for the authenticator code once per session (ES-09)."""
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)


def replay_lost() -> tuple[int, Any]:
    """The work of a signed call answered before (:func:`answered`) whose stored answer was
    purged in between: nothing to replay, so the client is asked to retry (409)."""
    raise Conflict()


def purge_expired() -> int:
    """Forget keys older than the retention window (at least 24 hours)."""
    hours = max(24, settings.MEDERP_IDEMPOTENCY_TTL_HOURS)
    cutoff = clock.now() - dt.timedelta(hours=hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
