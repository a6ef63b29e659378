"""Events compliance emits (past tense, dotted; schema version 1). Recall events are keyed by
the recall (aggregate ``compliance.recall``), so a consumer sees one recall's life in order.

``recall.opened``: id, number, classification, reason, decision_date, notification_deadline,
scope (the named lots and serials: kind, id, number, product_code), affected_lots,
affected_serials, line_count, consignee_count, signature_id. The stock it holds is announced by
inventory's ``inventory.stock.recalled`` in the same transaction, keyed by the same recall.
``recall.line.notified`` / ``recall.line.acknowledged``: id, number, line_ids, and the via and
time. ``recall.line.accounted``: id, number, line_id, quantity_returned, quantity_accounted,
disposition. ``recall.closed``: the workflow's transition payload (id, transition, from, to,
signature_id, reason).
"""

RECALL_OPENED = "recall.opened"
RECALL_LINE_NOTIFIED = "recall.line.notified"
RECALL_LINE_ACKNOWLEDGED = "recall.line.acknowledged"
RECALL_LINE_ACCOUNTED = "recall.line.accounted"
RECALL_CLOSED = "recall.closed"
