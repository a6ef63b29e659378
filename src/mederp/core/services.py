"""Building blocks every app's services use: authorization, validation, audited save.

A service is one transaction (``@transaction.atomic``) that checks the actor's permission,
validates, writes the domain rows, then its audit entries and outbox events (invariants 1-3).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _

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
    """Run the model's field and check-constraint rules; raise :class:`ValidationFailed` with
    per-field messages (in the active language) instead of Django's ValidationError.

    Uniqueness is not judged here: each service checks its duplicates itself and refuses with a
    coded error naming the holder (``catalog.gtin_taken``), and the unique index backs that up.
    """
    excluded = set(exclude or ())
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(
            exclude=list(excluded), validate_unique=False, validate_constraints=False
        )
    except DjangoValidationError as exc:
        errors.update({k: list(v) for k, v in exc.message_dict.items()})
    # As Django does: constraints are not judged on fields that already failed.
    skip = excluded | set(errors)
    for constraint in instance._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            continue
        try:
            constraint.validate(type(instance), instance, exclude=skip)
        except DjangoValidationError as exc:
            errors.setdefault("__all__", []).extend(exc.messages)
    if errors:
        fields = {("body" if k == "__all__" else k): [str(m) for m in v] for k, v in errors.items()}
        raise ValidationFailed(fields=fields)


def check_version(instance: Any, expected_version: int | None) -> None:
    """Optimistic concurrency: refuse an edit made from a stale copy of the record."""
    if expected_version is not None and expected_version != instance.version:
        raise StaleRecord(expected=expected_version, actual=instance.version)


def assign(instance: M, changes: dict[str, Any], allowed: Iterable[str]) -> M:
    allowed_set = set(allowed)
    unknown = sorted(set(changes) - allowed_set)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in unknown})
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
