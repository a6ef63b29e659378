"""Events procurement emits (past tense, dotted; schema version 1).

Line and receipt events use the order as their aggregate, so a consumer sees an order's whole
history in order.
"""

PO_CREATED = "procurement.po.created"
PO_CHANGED = "procurement.po.changed"
PO_LINE_ADDED = "procurement.po.line_added"
PO_LINE_CHANGED = "procurement.po.line_changed"
PO_LINE_REMOVED = "procurement.po.line_removed"
PO_SUBMITTED = "procurement.po.submitted"
PO_APPROVED = "procurement.po.approved"
PO_REJECTED = "procurement.po.rejected"
PO_CANCELLED = "procurement.po.cancelled"
PO_PARTIALLY_RECEIVED = "procurement.po.partially_received"
PO_RECEIVED = "procurement.po.received"
RECEIPT_RECORDED = "procurement.receipt.recorded"
