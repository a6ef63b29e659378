"""Events lot disposition emits (past tense, dotted; schema version 1), keyed by the deviation
(aggregate ``disposition.deviation``), so a consumer sees one deviation's life in order.

``deviation.requested``: id, number, product_code, lot_id, lot_number, serial_id,
serial_number, inspection_id, inspection_number, stage, reason, justification,
risk_assessment, requested_by.
``deviation.approved``, ``deviation.closed``, ``deviation.cancelled``: the workflow's
transition payload (id, transition, from, to, signature_id, reason); ``deviation.approved``
carries the id of the approval signature.

The gate itself emits nothing: a release or rejection it lets through is announced by
inventory (``inventory.lot.released`` ...), and a refusal writes nothing.
"""

DEVIATION_REQUESTED = "deviation.requested"
DEVIATION_APPROVED = "deviation.approved"
DEVIATION_CLOSED = "deviation.closed"
DEVIATION_CANCELLED = "deviation.cancelled"
