"""Events the complaint part emits (past tense, dotted; schema version 1), keyed by the
complaint (aggregate ``complaints.complaint``) so a consumer sees one complaint's life in order.

``complaint.received``: id, number, received_at, channel, product_code, lot, serial, udi,
event_date, patient_involvement, customer_code.
``complaint.assessed``: id, number, reportable, event_classes, jurisdictions, rationale,
reports (id, jurisdiction, rule_code, due_at).
``complaint.investigated``: the workflow's transition payload (id, transition, from, to,
signature_id, reason).
``complaint.updated``: id, number, changed (field names): investigation, reply, correction.
``complaint.linked``: id, number, kind ("ncr", "capa", "recall"), ref_id, ref_number.
``complaint.report.submitted``: id, number, report_id, jurisdiction, rule_code, due_at,
submitted_at, late (bool), authority_reference.
``complaint.closed``: the workflow's transition payload.
``complaint.rule.created`` / ``complaint.rule.changed`` (aggregate ``complaints.reportingrule``):
id, code, jurisdiction, condition, deadline_amount, deadline_unit, active (and ``changed``).
"""

COMPLAINT_RECEIVED = "complaint.received"
COMPLAINT_ASSESSED = "complaint.assessed"
COMPLAINT_INVESTIGATED = "complaint.investigated"
COMPLAINT_UPDATED = "complaint.updated"
COMPLAINT_LINKED = "complaint.linked"
REPORT_SUBMITTED = "complaint.report.submitted"
COMPLAINT_CLOSED = "complaint.closed"
RULE_CREATED = "complaint.rule.created"
RULE_CHANGED = "complaint.rule.changed"
