"""Events the catalog emits (past tense, dotted; schema version 1 unless stated).

Registration events use the product as their aggregate, so consumers see a product's
certificate history in order with its own changes.
"""

UOM_CREATED = "catalog.uom.created"
UOM_CHANGED = "catalog.uom.changed"
PRODUCT_CREATED = "catalog.product.created"
PRODUCT_CHANGED = "catalog.product.changed"
REGISTRATION_ADDED = "catalog.registration.added"
REGISTRATION_CHANGED = "catalog.registration.changed"
