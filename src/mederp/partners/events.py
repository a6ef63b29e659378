"""Events the partners app emits (past tense, dotted; schema version 1 unless stated).

Document events use the partner as aggregate, so a consumer sees a partner's facts and its
qualifications in one ordered stream.
"""

PARTNER_CREATED = "partners.partner.created"
PARTNER_CHANGED = "partners.partner.changed"
QUALIFICATION_CHANGED = "partners.qualification_changed"
