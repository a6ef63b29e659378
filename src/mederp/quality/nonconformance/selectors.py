"""Read queries of nonconformance that more than one caller needs."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from mederp.quality.nonconformance.models import (
    Disposition,
    NcrState,
    Nonconformance,
    NonconformanceItem,
)


def concession_for(
    *, lot_id: int | None = None, serial_id: int | None = None
) -> Nonconformance | None:
    """The NCR whose signed "use as is" disposition (concession, QE-01; ISO 13485 §8.3.2 b)
    covers this lot or serial: the newest one, dispositioned or closed. A serial is also
    covered by a concession on its lot when the caller names both. None when there is none."""
    if lot_id is None and serial_id is None:
        return None
    covers = Q()
    if lot_id is not None:
        covers |= Q(items__lot_id=lot_id)
    if serial_id is not None:
        covers |= Q(items__serial_id=serial_id)
    return (
        Nonconformance.objects.filter(
            covers,
            disposition=Disposition.USE_AS_IS,
            state__in=(NcrState.DISPOSITIONED, NcrState.CLOSED),
            disposition_signature__isnull=False,
        )
        .order_by("-dispositioned_at", "-id")
        .first()
    )


def open_ncrs_for(
    *, lot_id: int | None = None, serial_id: int | None = None
) -> QuerySet[Nonconformance]:
    """NCRs not yet dispositioned that name this lot or serial."""
    covers = Q(pk__in=[])
    if lot_id is not None:
        covers |= Q(items__lot_id=lot_id)
    if serial_id is not None:
        covers |= Q(items__serial_id=serial_id)
    return Nonconformance.objects.filter(
        covers, state__in=(NcrState.OPEN, NcrState.INVESTIGATING)
    ).distinct()


def ncr_list(
    *,
    state: str | None = None,
    source: str | None = None,
    supplier_id: int | None = None,
    product_id: int | None = None,
) -> QuerySet[Nonconformance]:
    qs = Nonconformance.objects.select_related("product", "supplier").order_by("-id")
    where: dict[str, Any] = {}
    if state:
        where["state"] = state
    if source:
        where["source"] = source
    if supplier_id:
        where["supplier_id"] = supplier_id
    if product_id:
        where["product_id"] = product_id
    return qs.filter(**where)


def items_of(ncr: Nonconformance) -> list[NonconformanceItem]:
    return list(
        ncr.items.select_related("lot", "serial", "location", "disposition_move").order_by("id")
    )
