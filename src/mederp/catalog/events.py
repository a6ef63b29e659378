"""Events the catalog emits (past tense, dotted; schema version 1 unless stated)."""

UOM_CREATED = "catalog.uom.created"
UOM_CHANGED = "catalog.uom.changed"
