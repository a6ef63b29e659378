"""What the sales use cases share: lookups, event payloads, audit helpers (document numbers
come from ``core.numbering``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from mederp.catalog.models import Product
from mederp.core import audit, canonical, outbox
from mederp.core.actors import Actor
from mederp.core.errors import NotFound
from mederp.inventory.rules import normal
from mederp.partners.models import Partner
from mederp.sales.models import SalesOrder

ORDER_TYPE = "sales.salesorder"
#: Document types on the ledger (docs/ledger.md).
RESERVATION_DOCUMENT = "sales.order"
SHIPMENT_DOCUMENT = "sales.shipment"
RETURN_DOCUMENT = "sales.return"


def qty(value: Decimal) -> str:
    """A quantity as events and audit entries carry it: ``"12.5"``, ``"3"``."""
    return str(normal(value))


def resolve_customer(value: Any) -> Partner:
    """A customer given as an instance, a primary key or a partner code."""
    found: Partner | None
    if isinstance(value, Partner):
        found = Partner.objects.filter(pk=value.pk).first()
    elif isinstance(value, int) and not isinstance(value, bool):
        found = Partner.objects.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        found = Partner.objects.filter(code=value.strip().upper()).first()
    else:
        found = None
    if found is None:
        raise NotFound(record_type="Partner", record_id=str(value), field="customer")
    return found


def resolve_product(value: Any, field: str = "product") -> Product:
    """A product given as an instance, a primary key, a product code or its GTIN."""
    found: Product | None
    if isinstance(value, Product):
        found = Product.objects.filter(pk=value.pk).first()
    elif isinstance(value, int) and not isinstance(value, bool):
        found = Product.objects.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        found = (
            Product.objects.filter(gtin=text).first()
            if text.isdigit() and len(text) == 14
            else Product.objects.filter(code=text.upper()).first()
        )
    else:
        found = None
    if found is None:
        raise NotFound(record_type="Product", record_id=str(value), field=field)
    return found


def emit(actor: Actor, order: SalesOrder, event: str, payload: dict[str, Any]) -> None:
    """An event of the order's stream (every sales event but returns is keyed by its order)."""
    outbox.emit(actor, event, aggregate_type=ORDER_TYPE, aggregate_id=order.pk, payload=payload)


def audit_created(actor: Actor, instance: models.Model) -> None:
    audit.record_create(actor, instance)


def audit_changed(
    actor: Actor, instance: models.Model, changes: dict[str, list[Any]], *, reason: str
) -> None:
    """A change that is a step of the work (a pick, an allocation given back), not a
    correction: the step is its reason when none is given."""
    audit.record(
        actor,
        action=audit.UPDATE,
        instance=instance,
        changes={k: [canonical.to_json_value(v) for v in pair] for k, pair in changes.items()},
        reason=reason,
        require_reason=False,
    )
