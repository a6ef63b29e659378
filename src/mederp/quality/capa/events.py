"""Events the CAPA app emits (past tense, dotted; schema version 1), keyed by the CAPA
(aggregate ``capa.capa``) so a consumer sees one CAPA's life in order.

``capa.opened``: id, number, kind, title, owner_id, due_date, links (kind, ref_id, ref_number).
``capa.root_cause.recorded``: id, number, method, root_cause.
``capa.action.added``: id, number, action_id, kind, owner_id, due_date.
``capa.action.completed``: id, number, action_id, done_at.
``capa.effectiveness.checked``: id, number, result, checked_at.
``capa.link.added``: id, number, kind, ref_id, ref_number.
State changes are the workflow's transition events (payload id, transition, from, to,
signature_id, reason): ``capa.investigation.started``, ``capa.implementation.started``,
``capa.verification.started``, ``capa.closed`` (signed, meaning ``closed``), ``capa.cancelled``.
"""

CAPA_OPENED = "capa.opened"
CAPA_ROOT_CAUSE_RECORDED = "capa.root_cause.recorded"
CAPA_ACTION_ADDED = "capa.action.added"
CAPA_ACTION_COMPLETED = "capa.action.completed"
CAPA_EFFECTIVENESS_CHECKED = "capa.effectiveness.checked"
CAPA_LINK_ADDED = "capa.link.added"
CAPA_INVESTIGATION_STARTED = "capa.investigation.started"
CAPA_IMPLEMENTATION_STARTED = "capa.implementation.started"
CAPA_VERIFICATION_STARTED = "capa.verification.started"
CAPA_CLOSED = "capa.closed"
CAPA_CANCELLED = "capa.cancelled"
