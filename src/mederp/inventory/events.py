"""Events inventory emits (past tense, dotted; schema version 1 unless stated).

Warehouse events are keyed by the warehouse; location events too (their aggregate is the
warehouse), so a consumer sees a warehouse and its zones in one ordered stream.

Payloads: ``warehouse.*``: id, code, name_zh, name_en, address, is_active.
``location.*``: id, warehouse_id, code, name, name_en, kind, is_virtual, temp_min_c, temp_max_c
(decimal strings or null), is_active. ``*.changed`` adds ``changed`` (the field names).
"""

WAREHOUSE_CREATED = "inventory.warehouse.created"
WAREHOUSE_CHANGED = "inventory.warehouse.changed"
LOCATION_CREATED = "inventory.location.created"
LOCATION_CHANGED = "inventory.location.changed"
