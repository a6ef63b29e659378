"""Events the partners app emits (past tense, dotted; schema version 1 unless stated).

Document events use the partner as aggregate, so a consumer sees a partner's facts and its
qualifications in one ordered stream.
"""

PARTNER_CREATED = "partners.partner.created"
PARTNER_CHANGED = "partners.partner.changed"
QUALIFICATION_CHANGED = "partners.qualification_changed"
QUALIFICATION_SUBMITTED = "partners.partner.qualification_submitted"
QUALIFICATION_APPROVED = "partners.partner.qualification_approved"
QUALIFICATION_REJECTED = "partners.partner.qualification_rejected"
QUALIFICATION_SUSPENDED = "partners.partner.qualification_suspended"
QUALIFICATION_RESUBMITTED = "partners.partner.qualification_resubmitted"
# An approved partner whose master data or documents changed went back to review.
QUALIFICATION_REOPENED = "partners.partner.qualification_reopened"
# A supplier's trading status set by a signed supplier evaluation (ISO 13485 §7.4.1; CN-21).
# Payload: id, code, from, to (approved | conditional | blocked), evaluation (SE-...), reason.
SUPPLIER_STATUS_CHANGED = "supplier.status.changed"
