"""Opening a recall by signature, and the mock recall that times the same path (RC-04, RC-05,
RC-07; 条例 第六十七条; 医疗器械召回管理办法; 21 CFR 7, 806; ISO 13485 §8.3.3).

:func:`open_recall` re-authenticates the opener before any transaction (a wrong password, a
missing permission or a refused rule leaves nothing but its security-log record; ES-13), then in
ONE transaction: numbers the recall, holds every affected lot and serial (the named ones and
everything made from them; inventory's :func:`recall_stock`, one ``UPDATE`` per table), writes
the affected items and the consignee list from the distribution records with a fixed number of
statements (:mod:`.recall_list`), records the ``opened`` signature, audits and emits
``recall.opened``. Open reservations of the held stock stay; the gates refuse to pick or ship it.

:func:`drill_recall` runs the same hold-and-list path with no signature inside a transaction
that is rolled back, and reports how long it took (RC-07: the mock recall as PQ evidence).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from mederp.catalog.selectors import business_date
from mederp.compliance import events, recall_rules
from mederp.compliance.errors import (
    AlreadyRecalled,
    RecallDateInvalid,
    RecallReasonMissing,
    RecallScopeMissing,
    UnknownLot,
)
from mederp.compliance.models import (
    LOT,
    SERIAL,
    Recall,
    RecallItem,
    RecallScope,
    RecallState,
)
from mederp.compliance.recall_approval import OPEN_PERMISSION, OPENED, RECALL
from mederp.compliance.services import recall_list
from mederp.compliance.trace_roots import roots_for
from mederp.core import audit, clock, outbox, signatures
from mederp.core.actors import Actor
from mederp.core.numbering import next_number
from mederp.core.services import authorize
from mederp.inventory.models import Lot, Serial
from mederp.inventory.rules import normal
from mederp.inventory.services.recalls import recall_stock
from mederp.production.genealogy import Node

Around = Callable[[Callable[[], Recall]], Any]


@dataclass(frozen=True)
class ScopeEntry:
    """A lot or serial the recall names, as the scope and the signed content show it."""

    kind: str
    id: int
    number: str
    product_id: int
    product_code: str

    @property
    def text(self) -> str:
        return f"{self.kind} {self.number} ({self.product_code})"


@dataclass(frozen=True)
class Decision:
    """What the opener decides: validated, before anything is written."""

    classification: str
    reason: str
    decision_date: dt.date
    scope: tuple[ScopeEntry, ...]

    @property
    def roots(self) -> list[Node]:
        return [(s.kind, s.id) for s in self.scope]

    @property
    def scope_summary(self) -> str:
        return "; ".join(s.text for s in self.scope)

    @property
    def products_summary(self) -> str:
        return ", ".join(sorted({s.product_code for s in self.scope}))[:300]


@dataclass(frozen=True)
class DrillResult:
    """A mock recall's figures (RC-07): wall time of the hold-and-list path, lots and serials
    it reached, consignee lines and distinct consignees."""

    seconds: float
    affected: int
    lines: int
    consignees: int
    lots: int = 0
    serials: int = 0
    on_hand: str = "0"
    shipped: str = "0"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- what the recall names ----------------------------------------------------------------------


def resolve(
    *,
    roots: Sequence[Node] | None = None,
    references: Sequence[str] = (),
    product_code: str | None = None,
) -> tuple[ScopeEntry, ...]:
    """The named lots and serials: genealogy nodes as given, and each reference (a lot or
    serial number, or a GS1/HIBC scan; :func:`mederp.compliance.trace_roots.roots_for`).
    Refused: nothing named, an unknown lot or serial, a number several products share."""
    nodes: set[Node] = {(str(k), int(i)) for k, i in roots or ()}
    for text in references:
        if text and text.strip():
            nodes.update(roots_for(text, product_code=product_code))
    if not nodes:
        raise RecallScopeMissing(field="lots")
    lot_ids = sorted(i for k, i in nodes if k == LOT)
    serial_ids = sorted(i for k, i in nodes if k == SERIAL)
    found = [
        ScopeEntry(LOT, lot.pk, lot.number, lot.product_id, lot.product.code)
        for lot in Lot.objects.filter(pk__in=lot_ids).select_related("product").order_by("pk")
    ] + [
        ScopeEntry(SERIAL, s.pk, s.serial_number, s.product_id, s.product.code)
        for s in Serial.objects.filter(pk__in=serial_ids).select_related("product").order_by("pk")
    ]
    known = {(s.kind, s.id) for s in found}
    missing = sorted(nodes - known)
    if missing:
        raise UnknownLot(lot=f"{missing[0][0]} #{missing[0][1]}", field="lots")
    return tuple(found)


def check_not_recalled(scope: Sequence[ScopeEntry]) -> None:
    """Refuse a named lot or serial already reached by a recall that is still open."""
    where = Q()
    for s in scope:
        where |= Q(kind=s.kind, node_id=s.id)
    hit = (
        RecallItem.objects.filter(where, recall__state=RecallState.OPEN)
        .select_related("recall")
        .order_by("recall_id", "id")
        .first()
    )
    if hit is not None:
        raise AlreadyRecalled(
            item=f"{hit.kind} {hit.number}", recall=hit.recall.number, field="lots"
        )


def decide(
    *,
    classification: object,
    reason: str,
    decision_date: dt.date | None,
    scope: tuple[ScopeEntry, ...],
) -> Decision:
    cls = recall_rules.classification(classification)
    text = (reason or "").strip()
    if not text:
        raise RecallReasonMissing(field="reason")
    today = business_date()
    day = decision_date or today
    if day > today:
        raise RecallDateInvalid(
            value=day.isoformat(), today=today.isoformat(), field="decision_date"
        )
    return Decision(cls, text, day, scope)


# --- the hold and the list ----------------------------------------------------------------------


def _draft(actor: Actor, decision: Decision) -> Recall:
    return Recall(
        number="",
        classification=decision.classification,
        reason=decision.reason,
        products_summary=decision.products_summary,
        scope_summary=decision.scope_summary,
        state=RecallState.OPEN,
        decision_date=decision.decision_date,
        notification_deadline=recall_rules.notification_deadline(
            decision.classification, decision.decision_date
        ),
        opened_at=clock.now(),
        opened_by=actor.user if actor.kind == "user" else None,
        opened_by_name=actor.name[:200],
    )


def _bind(signer: signatures.Signer, recall: Recall) -> None:
    """The opener authenticated for this recall before it had a key (a recall is signed as it
    is created); now that it has one, the authentication names it. Only a Signer issued for a
    recall without a key is rebound, once."""
    if signer.record_type != RECALL or signer.record_id != "None" or recall.pk is None:
        raise signatures.AuthenticationStale()
    signer.record_id = str(recall.pk)


def opened_payload(recall: Recall, scope: Sequence[ScopeEntry]) -> dict[str, Any]:
    return {
        "id": recall.pk,
        "number": recall.number,
        "classification": recall.classification,
        "reason": recall.reason,
        "decision_date": recall.decision_date,
        "notification_deadline": recall.notification_deadline,
        "scope": [
            {"kind": s.kind, "id": s.id, "number": s.number, "product_code": s.product_code}
            for s in scope
        ],
        "affected_lots": recall.affected_lots,
        "affected_serials": recall.affected_serials,
        "line_count": recall.line_count,
        "consignee_count": recall.consignee_count,
        "signature_id": recall.open_signature_id,
    }


def hold_and_list(
    actor: Actor, draft: Recall, decision: Decision, *, signer: signatures.Signer | None
) -> Recall:
    """Inside the caller's transaction: number the recall, hold its stock, write its items and
    lines, sign it when ``signer`` is given, audit and emit. The path both :func:`open_recall`
    and :func:`drill_recall` take."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("hold_and_list() runs inside the opening's transaction")
    recall = draft
    recall.number = next_number(recall_rules.PREFIX)
    if signer is not None:
        check_not_recalled(decision.scope)  # again, now that openings queue on the counter
    recall.save(force_insert=True)
    RecallScope.objects.bulk_create(
        RecallScope(
            recall=recall,
            kind=s.kind,
            lot_id=s.id if s.kind == LOT else None,
            serial_id=s.id if s.kind == SERIAL else None,
            product_id=s.product_id,
            number=s.number[:64],
        )
        for s in decision.scope
    )
    nodes = recall_list.affected_nodes(decision.roots)
    held = recall_stock(
        actor,
        [n.id for n in nodes if n.kind == LOT],
        [n.id for n in nodes if n.kind == SERIAL],
        source_type=RECALL,
        source_id=recall.pk,
        reason=f"{recall.number}: {decision.reason}",
    )
    recall_list.write_items(recall.pk, nodes, decision.roots, held)
    recall_list.write_lines(recall.pk)
    found = recall_list.totals(recall.pk)
    recall.affected_lots = found.affected_lots
    recall.affected_serials = found.affected_serials
    recall.on_hand_quantity = found.on_hand
    recall.line_count = found.lines
    recall.consignee_count = found.consignees
    recall.shipped_quantity = found.shipped
    if signer is not None:
        _bind(signer, recall)
        recall.open_signature = signatures.record(recall, OPENED, signer, reason=decision.reason)
    recall.save()
    audit.record_create(actor, recall, reason=decision.reason)
    outbox.emit(
        actor,
        events.RECALL_OPENED,
        aggregate_type=RECALL,
        aggregate_id=recall.pk,
        payload=opened_payload(recall, decision.scope),
    )
    return recall


# --- the use cases ------------------------------------------------------------------------------


def open_recall(
    actor: Actor,
    *,
    classification: object,
    reason: str,
    password: str,
    roots: Sequence[Node] | None = None,
    references: Sequence[str] = (),
    product_code: str | None = None,
    decision_date: dt.date | None = None,
    totp: str | None = None,
    session_key: str | None = None,
    around: Around | None = None,
) -> Any:
    """Open a recall of the named lots and serials (``roots`` as genealogy nodes and/or
    ``references``: lot or serial numbers or scans, narrowed by ``product_code``), signed
    ``opened`` (permission ``compliance.open_recall``).

    Refused with nothing written: no permission, no lot named, an unknown or ambiguous lot
    (``compliance.unknown_lot``, ``compliance.ambiguous_lot``), a named lot already in an open
    recall (``compliance.already_recalled``), an unknown class, no reason, a decision date in the
    future, a wrong password or TOTP code. Returns the recall, or what ``around`` (the API's
    idempotency guard) returned."""
    authorize(actor, OPEN_PERMISSION)
    scope = resolve(roots=roots, references=references, product_code=product_code)
    decision = decide(
        classification=classification,
        reason=reason,
        decision_date=decision_date,
        scope=scope,
    )
    check_not_recalled(scope)
    draft = _draft(actor, decision)
    signer = signatures.authenticate(
        draft,
        OPENED,
        actor.user,
        password,
        totp,
        reason=decision.reason,
        session_key=session_key,
    )

    def work() -> Recall:
        with transaction.atomic():
            return hold_and_list(actor, draft, decision, signer=signer)

    with signatures.refusals_recorded(draft, OPENED, actor.user):
        return work() if around is None else around(work)


def drill_recall(
    actor: Actor,
    roots: Sequence[Node],
    *,
    classification: str = "II",
    reason: str = "mock recall (drill)",
) -> DrillResult:
    """A mock recall (RC-07): the hold-and-list path of :func:`open_recall` on ``roots``, with
    no signature, inside a transaction that is rolled back; nothing it did remains (not even
    the recall number). Returns the wall time of that path and what it reached. Permission
    ``compliance.open_recall`` (and inventory's ``inventory.recall_lot``, as opening needs)."""
    authorize(actor, OPEN_PERMISSION)
    scope = resolve(roots=roots)
    decision = decide(classification=classification, reason=reason, decision_date=None, scope=scope)
    started = time.perf_counter()
    with transaction.atomic():
        recall = hold_and_list(actor, _draft(actor, decision), decision, signer=None)
        transaction.set_rollback(True)
    seconds = time.perf_counter() - started
    return DrillResult(
        seconds=round(seconds, 6),
        affected=recall.affected_lots + recall.affected_serials,
        lines=recall.line_count,
        consignees=recall.consignee_count,
        lots=recall.affected_lots,
        serials=recall.affected_serials,
        on_hand=f"{normal(recall.on_hand_quantity):f}",
        shipped=f"{normal(recall.shipped_quantity):f}",
    )
