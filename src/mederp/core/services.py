"""Building blocks every app's services use: authorization, validation, audited save.

A service is one transaction (``@transaction.atomic``) that checks the actor's permission,
validates, writes the domain rows, then its audit entries and outbox events (invariants 1-3).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

from mederp.core import audit, canonical, outbox
from mederp.core.actors import Actor
from mederp.core.errors import PermissionDenied, StaleRecord, ValidationFailed

M = TypeVar("M", bound=models.Model)


def authorize(actor: Actor, *perms: str) -> None:
    """Refuse unless the actor holds every permission (the system actor holds all)."""
    missing = [p for p in perms if not actor.has_perm(p)]
    if missing:
        raise PermissionDenied(permissions=missing)


def validate(instance: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    """Run the model's field and constraint checks; raise :class:`ValidationFailed` with
    per-field messages (in the active language) instead of Django's ValidationError."""
    try:
        instance.full_clean(exclude=list(exclude) if exclude else None, validate_unique=False)
    except DjangoValidationError as exc:
        fields = {
            ("body" if k == "__all__" else k): [str(m) for m in v]
            for k, v in exc.message_dict.items()
        }
        raise ValidationFailed(fields=fields) from None


def check_version(instance: Any, expected_version: int | None) -> None:
    """Optimistic concurrency: refuse an edit made from a stale copy of the record."""
    if expected_version is not None and expected_version != instance.version:
        raise StaleRecord(expected=expected_version, actual=instance.version)


def assign(instance: M, changes: dict[str, Any], allowed: Iterable[str]) -> M:
    allowed_set = set(allowed)
    unknown = sorted(set(changes) - allowed_set)
    if unknown:
        raise ValidationFailed(fields={k: ["unknown field"] for k in unknown})
    for name, value in changes.items():
        setattr(instance, name, value)
    return instance


def created(
    actor: Actor,
    instance: models.Model,
    event_type: str,
    payload: dict[str, Any],
    *,
    aggregate: models.Model | None = None,
    reason: str = "",
) -> None:
    """Audit a new record and emit its event, in the caller's transaction."""
    audit.record_create(actor, instance, reason=reason)
    agg = aggregate or instance
    outbox.emit(
        actor,
        event_type,
        aggregate_type=agg._meta.label_lower,
        aggregate_id=agg.pk,
        payload=payload,
    )


def updated(
    actor: Actor,
    instance: models.Model,
    before: dict[str, Any],
    event_type: str,
    payload: dict[str, Any],
    *,
    reason: str,
    aggregate: models.Model | None = None,
) -> bool:
    """Audit a change and emit its event when any field changed; returns whether one did."""
    entry = audit.record_update(actor, instance, before, reason=reason)
    if entry is None:
        return False
    agg = aggregate or instance
    outbox.emit(
        actor,
        event_type,
        aggregate_type=agg._meta.label_lower,
        aggregate_id=agg.pk,
        payload={
            **payload,
            "changed": sorted(canonical.diff(before, canonical.snapshot(instance))),
        },
    )
    return True
