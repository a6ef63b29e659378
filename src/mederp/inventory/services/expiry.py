"""Expiry control (TR-05; 条例 第五十五条, 经营办法 第四十五条): announce lots entering their
near-expiry windows and lots that expired, once each. Blocking needs no write: "expired" is
computed from the expiry date wherever availability is judged (FEFO, reservations, shipments).

Run by ``mederp expiry scan`` and daily by ``mederp serve``; safe to run any number of times and
concurrently (each announcement is claimed by a unique row before its event is written).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from mederp.core import audit, clock, outbox
from mederp.core.actors import Actor
from mederp.core.errors import ValidationFailed
from mederp.core.services import authorize
from mederp.inventory import events, rules
from mederp.inventory.models import (
    DEFAULT_NEAR_EXPIRY_DAYS,
    EXTERNAL_KINDS,
    Balance,
    ExpiryNotice,
    ExpiryPolicy,
    Lot,
)


@dataclass
class ScanResult:
    near_expiry: int = 0
    expired: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"near_expiry": self.near_expiry, "expired": self.expired}


def windows_for(product_id: int, category_code: str) -> list[int]:
    """The near-expiry windows (days) of a product, most specific scope first (ExpiryPolicy)."""
    rows = list(ExpiryPolicy.objects.values_list("product_id", "category_code", "days"))
    return _pick(rows, product_id, category_code)


def _pick(rows: Sequence[tuple[int | None, str, int]], product_id: int, category: str) -> list[int]:
    for match in (
        lambda p, c: p == product_id,
        lambda p, c: p is None and c == category and c != "",
        lambda p, c: p is None and c == "",
    ):
        days = sorted({d for p, c, d in rows if match(p, c)}, reverse=True)
        if days:
            return days
    return [DEFAULT_NEAR_EXPIRY_DAYS]


def _claim(lot: Lot, kind: str, window: int) -> bool:
    try:
        with transaction.atomic():
            ExpiryNotice.objects.create(
                lot=lot, kind=kind, window_days=window, emitted_at=clock.now()
            )
    except IntegrityError:
        return False
    return True


def scan(*, on_date: dt.date | None = None, actor: Actor | None = None) -> ScanResult:
    """Announce what is due on ``on_date`` (default today) for lots with stock on hand."""
    actor = actor or Actor.system("inventory.expiry_scan")
    on = on_date or clock.today()
    policies = list(ExpiryPolicy.objects.values_list("product_id", "category_code", "days"))
    horizon = max([DEFAULT_NEAR_EXPIRY_DAYS, *(d for _p, _c, d in policies)])
    stocked = (
        Balance.objects.filter(
            quantity__gt=0,
            lot__isnull=False,
            expiry_date__lte=on + dt.timedelta(days=horizon),
        )
        .exclude(location__kind__in=list(EXTERNAL_KINDS))
        .values("lot_id")
        .annotate(total=Sum("quantity"))
    )
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for row in stocked:
        totals[row["lot_id"]] += row["total"]
    result = ScanResult()
    lots = Lot.objects.filter(pk__in=list(totals)).select_related("product").order_by("pk")
    for lot in lots:
        assert lot.expiry_date is not None
        days_left = (lot.expiry_date - on).days
        payload: dict[str, Any] = {
            "lot_id": lot.pk,
            "product_id": lot.product_id,
            "product_code": lot.product.code,
            "number": lot.number,
            "expiry_date": lot.expiry_date,
            "days_left": days_left,
            "quantity": str(rules.normal(totals[lot.pk])),
        }
        with transaction.atomic():
            if days_left < 0:
                if _claim(lot, ExpiryNotice.EXPIRED, 0):
                    _emit(actor, events.LOT_EXPIRED, lot, payload)
                    result.expired += 1
                continue
            windows = _pick(policies, lot.product_id, lot.product.category_code)
            # The narrowest window the lot has entered: 30 days left announces the 30-day
            # window once, not the 180- and 90-day ones it skipped while nobody ran the scan.
            entered = [w for w in windows if days_left <= w]
            if entered and _claim(lot, ExpiryNotice.NEAR_EXPIRY, min(entered)):
                _emit(
                    actor,
                    events.LOT_NEAR_EXPIRY,
                    lot,
                    {**payload, "window_days": min(entered)},
                )
                result.near_expiry += 1
    return result


def _emit(actor: Actor, event: str, lot: Lot, payload: dict[str, Any]) -> None:
    outbox.emit(actor, event, aggregate_type="inventory.lot", aggregate_id=lot.pk, payload=payload)


@dataclass(frozen=True)
class NearExpiryRow:
    lot_id: int
    product_id: int
    product_code: str
    lot_number: str
    expiry_date: dt.date
    days_left: int  # negative: expired
    quantity: Decimal
    window_days: int  # the widest window the lot is inside (0 once expired)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lot_id": self.lot_id,
            "product_id": self.product_id,
            "product_code": self.product_code,
            "lot_number": self.lot_number,
            "expiry_date": self.expiry_date,
            "days_left": self.days_left,
            "quantity": rules.normal(self.quantity),
            "window_days": self.window_days,
        }


def report(*, on_date: dt.date | None = None) -> list[NearExpiryRow]:
    """The near-expiry report (TR-05): lots with stock on hand inside a near-expiry window of
    their product, or already expired, soonest first. Read only."""
    on = on_date or clock.today()
    policies = list(ExpiryPolicy.objects.values_list("product_id", "category_code", "days"))
    horizon = max([DEFAULT_NEAR_EXPIRY_DAYS, *(d for _p, _c, d in policies)])
    stocked = (
        Balance.objects.filter(
            quantity__gt=0, lot__isnull=False, expiry_date__lte=on + dt.timedelta(days=horizon)
        )
        .exclude(location__kind__in=list(EXTERNAL_KINDS))
        .values("lot_id")
        .annotate(total=Sum("quantity"))
    )
    totals = {row["lot_id"]: row["total"] for row in stocked}
    rows = []
    for lot in Lot.objects.filter(pk__in=list(totals)).select_related("product"):
        assert lot.expiry_date is not None
        days_left = (lot.expiry_date - on).days
        windows = _pick(policies, lot.product_id, lot.product.category_code)
        inside = [w for w in windows if days_left <= w]
        if days_left >= 0 and not inside:
            continue
        rows.append(
            NearExpiryRow(
                lot_id=lot.pk,
                product_id=lot.product_id,
                product_code=lot.product.code,
                lot_number=lot.number,
                expiry_date=lot.expiry_date,
                days_left=days_left,
                quantity=totals[lot.pk],
                window_days=max(inside) if days_left >= 0 else 0,
            )
        )
    rows.sort(key=lambda r: (r.expiry_date, r.product_code, r.lot_number))
    return rows


def set_windows(
    actor: Actor,
    *,
    days: Sequence[int],
    product: Any = None,
    category_code: str = "",
    reason: str = "",
) -> list[ExpiryPolicy]:
    """Replace the near-expiry windows of one scope (a product, a classification code, or —
    both empty — every product) with ``days`` (e.g. ``[180, 90, 30]``; empty removes the
    scope's rows). Configuration (TR-05): audited with who, when, old and new windows."""
    authorize(actor, "inventory.change_expirypolicy")
    product_id = getattr(product, "pk", product)
    category = (category_code or "").strip()
    if product_id is not None and category:
        raise ValidationFailed(
            fields={"category_code": ["Give a product or a category, not both."]}
        )
    wanted = sorted({int(d) for d in days}, reverse=True)
    if any(d <= 0 or d > 3650 for d in wanted) or any(isinstance(d, bool) for d in days):
        raise ValidationFailed(fields={"days": [_("Each window is 1 to 3650 days.")]})
    with transaction.atomic():
        scope = ExpiryPolicy.objects.select_for_update().filter(
            product_id=product_id, category_code="" if product_id is not None else category
        )
        before = sorted(scope.values_list("days", flat=True), reverse=True)
        if before == wanted:
            return list(scope)
        scope.delete()
        rows = [
            ExpiryPolicy.objects.create(
                product_id=product_id,
                category_code="" if product_id is not None else category,
                days=d,
            )
            for d in wanted
        ]
        audit.record(
            actor,
            action=audit.UPDATE,
            record_type="inventory.expirypolicy",
            record_id=f"product:{product_id}" if product_id is not None else f"category:{category}",
            label="near-expiry windows",
            changes={"days": [before, wanted]},
            reason=reason or "near-expiry windows set",
        )
    return rows
