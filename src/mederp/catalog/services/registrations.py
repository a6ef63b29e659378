"""Registration certificates (注册证 / 备案凭证) per product and jurisdiction.

条例 第十三条 (registration and filing), 经营办法 第三十一条 (checking a product's legality before
buying or selling it), CN-02 and CN-04. The product is the aggregate of registration events, so
a product's history shows its certificates' changes too. Certificates are part of the product's
signed 首营品种 content: a certificate added or changed after approval sends the product back to
review.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction

from mederp.catalog import events
from mederp.catalog.errors import RegistrationDatesInvalid, RegistrationNumberTaken
from mederp.catalog.locks import lock_product, lock_registration
from mederp.catalog.models import Registration
from mederp.catalog.services.approval import reopen_if_changed
from mederp.core import canonical
from mederp.core.actors import Actor
from mederp.core.services import assign, authorize, check_version, created, updated, validate

REGISTRATION_FIELDS = (
    "jurisdiction",
    "kind",
    "number",
    "scope",
    "valid_from",
    "valid_until",
    "holder",
)


def registration_payload(registration: Registration) -> dict[str, Any]:
    payload = canonical.snapshot(registration)
    payload["id"] = registration.pk
    return payload


def _normalise(values: dict[str, Any]) -> dict[str, Any]:
    """Trim text; certificate numbers are NFKC-normalised so full-width digits typed in a
    Chinese input method match the half-width ones printed on the certificate."""
    out = dict(values)
    for name in ("jurisdiction", "kind"):
        if isinstance(out.get(name), enum.Enum):
            out[name] = out[name].value
    if isinstance(out.get("jurisdiction"), str):
        out["jurisdiction"] = out["jurisdiction"].strip().upper()
    if isinstance(out.get("number"), str):
        out["number"] = unicodedata.normalize("NFKC", out["number"]).strip()
    for name in ("scope", "holder"):
        if isinstance(out.get(name), str):
            out[name] = out[name].strip()
    return out


def _check(registration: Registration) -> None:
    start, end = registration.valid_from, registration.valid_until
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        raise RegistrationDatesInvalid(
            valid_from=start.isoformat(), valid_until=end.isoformat(), field="valid_until"
        )
    _check_unique(registration)
    validate(registration)


def _check_unique(registration: Registration) -> None:
    others = Registration.objects.filter(
        jurisdiction=registration.jurisdiction, number=registration.number
    )
    if registration.pk:
        others = others.exclude(pk=registration.pk)
    if others.exists():
        raise RegistrationNumberTaken(
            value=registration.number, jurisdiction=registration.jurisdiction, field="number"
        )


def _save(registration: Registration) -> None:
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        _check_unique(registration)
        raise


@transaction.atomic
def add_registration(
    actor: Actor,
    product_id: int,
    *,
    jurisdiction: str,
    kind: str,
    number: str,
    valid_until: dt.date,
    valid_from: dt.date | None = None,
    scope: str = "",
    holder: str = "",
) -> Registration:
    """Record a certificate for a product. Refuses a number already recorded in the same
    jurisdiction and a validity period that ends before it starts."""
    authorize(actor, "catalog.add_registration")
    product = lock_product(product_id)
    registration = Registration(
        product=product,
        **_normalise(
            {
                "jurisdiction": jurisdiction,
                "kind": kind,
                "number": number,
                "scope": scope,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "holder": holder,
            }
        ),
    )
    _check(registration)
    _save(registration)
    created(
        actor,
        registration,
        events.REGISTRATION_ADDED,
        registration_payload(registration),
        aggregate=product,
    )
    reopen_if_changed(actor, product, reason="")
    return registration


@transaction.atomic
def change_registration(
    actor: Actor,
    registration_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
    **changes: Any,
) -> Registration:
    """Correct or renew a certificate's data; a reason is required (AT-04). The product it
    belongs to cannot change: a certificate for another product is a new record."""
    authorize(actor, "catalog.change_registration")
    product, registration = lock_registration(registration_id)
    check_version(registration, expected_version)
    before = canonical.snapshot(registration)
    assign(registration, _normalise(changes), REGISTRATION_FIELDS)
    _check(registration)
    if canonical.diff(before, canonical.snapshot(registration)):
        registration.version += 1
        _save(registration)
        updated(
            actor,
            registration,
            before,
            events.REGISTRATION_CHANGED,
            registration_payload(registration),
            reason=reason,
            aggregate=product,
        )
        reopen_if_changed(actor, product, reason=reason)
    return registration
