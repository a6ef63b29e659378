"""Events inventory emits (past tense, dotted; schema version 1 unless stated). docs/ledger.md
lists every payload.

Warehouse events are keyed by the warehouse; location events too (their aggregate is the
warehouse), so a consumer sees a warehouse and its zones in one ordered stream.

Payloads: ``warehouse.*``: id, code, name_zh, name_en, address, is_active.
``location.*``: id, warehouse_id, code, name, name_en, kind, is_virtual, temp_min_c, temp_max_c
(decimal strings or null), is_active. ``*.changed`` adds ``changed`` (the field names).

Ledger events: a move is its own aggregate (``inventory.move``), so concurrent moves of one lot
never contend for one outbox sequence; lot, serial, hold and count events are keyed by their
record.
"""

WAREHOUSE_CREATED = "inventory.warehouse.created"
WAREHOUSE_CHANGED = "inventory.warehouse.changed"
LOCATION_CREATED = "inventory.location.created"
LOCATION_CHANGED = "inventory.location.changed"

MOVE_POSTED = "inventory.move.posted"
LOT_REGISTERED = "inventory.lot.registered"
SERIAL_REGISTERED = "inventory.serial.registered"
LOT_RELEASED = "inventory.lot.released"
LOT_REQUARANTINED = "inventory.lot.requarantined"
LOT_REJECTED = "inventory.lot.rejected"
LOT_HELD = "inventory.lot.held"
LOT_RECALLED = "inventory.lot.recalled"
SERIAL_RELEASED = "inventory.serial.released"
SERIAL_REJECTED = "inventory.serial.rejected"
SERIAL_HELD = "inventory.serial.held"
SERIAL_RECALLED = "inventory.serial.recalled"
LOT_NEAR_EXPIRY = "inventory.lot.near_expiry"
LOT_EXPIRED = "inventory.lot.expired"
STOCK_HELD = "inventory.stock.held"
HOLD_RELEASED = "inventory.stock.hold_released"
STOCK_RESERVED = "inventory.stock.reserved"
RESERVATION_RELEASED = "inventory.stock.reservation_released"
COUNT_OPENED = "inventory.count.opened"
COUNT_COUNTED = "inventory.count.counted"
COUNT_APPROVED = "inventory.count.approved"
COUNT_REJECTED = "inventory.count.rejected"
