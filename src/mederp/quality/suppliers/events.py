"""Events of supplier evaluation (past tense, dotted; schema version 1).

``supplier.evaluation.drafted``: id, number, supplier_id, supplier_code, period_start,
    period_end, score (string or null), suggested_status, proposed_status.
``supplier.evaluated``: the evaluation approved by signature (the workflow's transition payload:
    id, transition, from, to, signature_id, reason), emitted with aggregate
    ``supplier_quality.supplierevaluation``.
``supplier.status.changed`` (emitted by partners in the same transaction): id, code, from, to,
    evaluation, reason; see :mod:`mederp.partners.events`.
"""

EVALUATION_DRAFTED = "supplier.evaluation.drafted"
SUPPLIER_EVALUATED = "supplier.evaluated"
