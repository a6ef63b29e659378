"""Events production emits (past tense, dotted; schema version 1).

A work order and everything recorded on it are one aggregate (``production.workorder``), so a
consumer (the MES, the DHR) sees created → released → started → issues, outputs, scrap,
operations, checks → completed → closed in order.

Payloads: ``production.workorder.created``: id, number, product_id, product_code, bom_id,
bom_revision, planned_quantity, planned_start, planned_end, production_location_id,
output_location_id, output_lot_number. Workflow steps (``released``, ``started``,
``completed``, ``closed``, ``cancelled``): id, transition, from, to, signature_id, reason.
``production.material.issued``: work_order_id, issues (id, component_id, component_code,
lot_id, lot_number, serial_id, serial_number, quantity, from_location_id, move_id, method),
edges. ``production.output.reported``: work_order_id, kind, outputs (id, lot_id, lot_number,
serial_id, serial_number, quantity, move_id), reason, edges. ``production.component.scrapped``,
``production.operation.recorded``, ``production.check.recorded``: the record's fields. Every
shop-floor event carries ``operator``, ``source`` and ``event_id``. ``edges`` lists the
genealogy edges written with the record: id, consumed [kind, id], produced [kind, id],
quantity. Quantities are decimal strings.
"""

WORKORDER_CREATED = "production.workorder.created"
WORKORDER_RELEASED = "production.workorder.released"
WORKORDER_STARTED = "production.workorder.started"
WORKORDER_COMPLETED = "production.workorder.completed"
WORKORDER_CLOSED = "production.workorder.closed"
WORKORDER_CANCELLED = "production.workorder.cancelled"
MATERIAL_ISSUED = "production.material.issued"
OUTPUT_REPORTED = "production.output.reported"
COMPONENT_SCRAPPED = "production.component.scrapped"
OPERATION_RECORDED = "production.operation.recorded"
CHECK_RECORDED = "production.check.recorded"
