"""Events the cold chain emits (past tense, dotted, schema version 1). docs/coldchain.md lists
the payloads. Holds are placed and ended through the ledger's hold events as well
(``inventory.stock.held``, ``inventory.stock.hold_released``)."""

READING_RECORDED = "inventory.temperature.recorded"
EXCURSION_OPENED = "inventory.excursion.opened"
EXCURSION_EXTENDED = "inventory.excursion.extended"
EXCURSION_CLOSED = "inventory.excursion.closed"
HOLD_REJECTED = "inventory.stock.hold_rejected"
