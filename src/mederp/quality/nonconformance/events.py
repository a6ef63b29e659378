"""Events nonconformance emits (past tense, dotted; schema version 1), keyed by the NCR
(aggregate ``nonconformance.nonconformance``), so a consumer sees one NCR's life in order.

``ncr.opened``: id, number, source, source_id, source_ref, product_id, product_code,
supplier_id, severity, description, items (id, lot_id, serial_id, quantity, location_id,
status_before, hold_reference). The holds themselves are announced by inventory
(``inventory.lot.held`` / ``inventory.serial.held``) in the same transaction.
``ncr.investigated``: id, number, investigation, root_cause.
``ncr.dispositioned``: id, number, disposition, reason, return_reference, signature_id, items
(as above), moves (id, item_id, lot_id, serial_id, quantity, from_location_id, to_location_id),
rejected (lot/serial ids whose status became rejected: ``{"lots": [...], "serials": [...]}``).
``ncr.closed``: id, number, signature_id, capa_id, reason.
"""

NCR_OPENED = "ncr.opened"
NCR_INVESTIGATED = "ncr.investigated"
NCR_DISPOSITIONED = "ncr.dispositioned"
NCR_CLOSED = "ncr.closed"
