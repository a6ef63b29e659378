"""Events inspections emits (past tense, dotted; schema version 1), keyed by the inspection
(aggregate ``inspections.inspection``) or the plan (``inspections.inspectionplan``).

``inspection.created``: id, number, stage, product_code, plan_id, plan_revision, lot_id,
lot_number, serial_id, serial_number, receipt_id, work_order_id, lot_size, sample_size.
``inspection.result.recorded``: id, number, source ("hand" | "lims"), results (result_id,
characteristic_id, characteristic, value, text, passed, external_id).
``inspection.completed``: id, number, stage, product_code, lot_id, serial_id, result ("pass" |
"fail"), failed (names of the failed characteristics), ncr_id (the NCR opened on failure, or
null).
``inspection.plan.created``: id, product_code, stage, revision.
``inspection.plan.changed``: id, revision, changed.
``inspection.plan.approved``: the workflow's transition payload (id, transition, from, to,
signature_id, reason); the plan it replaced gets ``inspection.plan.obsoleted``.
"""

INSPECTION_CREATED = "inspection.created"
RESULT_RECORDED = "inspection.result.recorded"
INSPECTION_COMPLETED = "inspection.completed"
PLAN_CREATED = "inspection.plan.created"
PLAN_CHANGED = "inspection.plan.changed"
PLAN_APPROVED = "inspection.plan.approved"
PLAN_OBSOLETED = "inspection.plan.obsoleted"
