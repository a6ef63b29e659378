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
PRODUCT_SUBMITTED = "catalog.product.submitted"
PRODUCT_APPROVED = "catalog.product.approved"
PRODUCT_REJECTED = "catalog.product.rejected"
PRODUCT_OBSOLETED = "catalog.product.obsoleted"
# An approved product whose content changed went back to review (its approval is invalid).
PRODUCT_REOPENED = "catalog.product.reopened"
# Bills of materials: the version is the aggregate, so a consumer sees its components and
# approval in order. Approval and retirement come from the workflow (payload: transition,
# from, to, signature_id, reason).
BOM_CREATED = "catalog.bom.created"
BOM_CHANGED = "catalog.bom.changed"
BOM_COMPONENT_ADDED = "catalog.bom.component_added"
BOM_COMPONENT_CHANGED = "catalog.bom.component_changed"
BOM_COMPONENT_REMOVED = "catalog.bom.component_removed"
BOM_APPROVED = "catalog.bom.approved"
BOM_OBSOLETED = "catalog.bom.obsoleted"
