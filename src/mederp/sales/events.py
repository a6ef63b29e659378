"""Events sales emits (past tense, dotted; schema version 1).

An order and everything that happens to it are one aggregate (``sales.salesorder``), so a
consumer sees created → confirmed → allocated → picks → picked → reviewed → distribution
records → shipped in order. Returns are keyed by their own record.

Payloads: ``sales.order.created``: id, number, customer_id, customer_code, ship_to_address,
market, currency, lines (line_no, product_id, product_code, gtin, quantity, unit_price).
Workflow steps (``confirmed``, ``allocated``, ``picked``, ``reviewed``, ``shipped``,
``cancelled``): id, transition, from, to, signature_id, reason. ``sales.pick.confirmed``: the
pick (order_id, allocation_id, quantity, gtin, lot_number, serial_number, picked_by).
``sales.distribution.recorded``: the distribution record's fields (CN-09; without the contact
person, who is personal data). ``sales.return.received``: the return with its record and move.
Quantities and money are decimal strings.
"""

ORDER_CREATED = "sales.order.created"
ORDER_CONFIRMED = "sales.order.confirmed"
ORDER_ALLOCATED = "sales.order.allocated"
ORDER_PICKED = "sales.order.picked"
ORDER_REVIEWED = "sales.order.reviewed"
ORDER_SHIPPED = "sales.order.shipped"
ORDER_CANCELLED = "sales.order.cancelled"
PICK_CONFIRMED = "sales.pick.confirmed"
DISTRIBUTION_RECORDED = "sales.distribution.recorded"
RETURN_RECEIVED = "sales.return.received"
