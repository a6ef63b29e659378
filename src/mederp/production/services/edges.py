"""Writing genealogy edges (TR-01; ISO 13485 §7.5.9; 21 CFR 820.184): consumed lot or serial →
produced lot or serial, one per (issue, good output) pair of a work order, in the transaction of
whichever of the two came second.

Untracked components leave no edge (there is nothing to trace them by). An edge that would make
a lot or serial its own ancestor is refused (``production.genealogy_cycle``), and the whole
issue or output with it: the walks (:mod:`mederp.production.genealogy`) stay finite and true.
"""

from __future__ import annotations

from typing import Any

from mederp.core import clock
from mederp.core.actors import Actor
from mederp.production import genealogy
from mederp.production.errors import GenealogyCycle
from mederp.production.models import (
    LOT,
    GenealogyEdge,
    MaterialIssue,
    OutputKind,
    ProductionOutput,
    WorkOrder,
)
from mederp.production.services.common import audit_created, node_of, qty


def _label(record: Any) -> str:
    if record.serial_id is not None:
        return f"serial {record.serial.serial_number}"
    return f"lot {record.lot.number}"


def _write(actor: Actor, order: WorkOrder, issue: MaterialIssue, output: ProductionOutput) -> Any:
    consumed, produced = node_of(issue), node_of(output)
    if consumed is None or produced is None:
        return None
    if genealogy.would_close_cycle(consumed, produced):
        raise GenealogyCycle(
            consumed=f"{issue.product.code} {_label(issue)}",
            produced=f"{output.product.code} {_label(output)}",
            work_order=order.number,
            issue_id=issue.pk,
            output_id=output.pk,
        )
    edge = GenealogyEdge(
        work_order=order,
        issue=issue,
        output=output,
        consumed_kind=consumed[0],
        consumed_id=consumed[1],
        consumed_product_id=issue.product_id,
        consumed_lot_id=issue.lot_id if consumed[0] == LOT else None,
        consumed_serial_id=issue.serial_id if consumed[0] != LOT else None,
        produced_kind=produced[0],
        produced_id=produced[1],
        produced_product_id=output.product_id,
        produced_lot_id=output.lot_id if produced[0] == LOT else None,
        produced_serial_id=output.serial_id if produced[0] != LOT else None,
        quantity=issue.quantity,
        created_at=clock.now(),
    )
    edge.save(force_insert=True)
    audit_created(actor, edge)
    return edge


def link_outputs_to_issue(
    actor: Actor, order: WorkOrder, issue: MaterialIssue
) -> list[GenealogyEdge]:
    """A new issue: an edge to every earlier good output of the work order."""
    outputs = ProductionOutput.objects.filter(
        work_order=order, kind=OutputKind.GOOD
    ).select_related("product", "lot", "serial")
    edges = [_write(actor, order, issue, output) for output in outputs.order_by("id")]
    return [e for e in edges if e is not None]


def link_issues_to_output(
    actor: Actor, order: WorkOrder, output: ProductionOutput
) -> list[GenealogyEdge]:
    """A new good output: an edge from every earlier issue of the work order."""
    issues = MaterialIssue.objects.filter(work_order=order).select_related(
        "product", "lot", "serial"
    )
    edges = [_write(actor, order, issue, output) for issue in issues.order_by("id")]
    return [e for e in edges if e is not None]


def edge_payload(edge: GenealogyEdge) -> dict[str, Any]:
    return {
        "id": edge.pk,
        "consumed": [edge.consumed_kind, edge.consumed_id],
        "produced": [edge.produced_kind, edge.produced_id],
        "quantity": qty(edge.quantity),
    }
