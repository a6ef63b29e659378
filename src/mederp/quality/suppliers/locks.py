"""Every row lock supplier evaluation takes (STYLE rule 5): the evaluation, then (through the
partners service) its supplier."""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.quality.suppliers.models import SupplierEvaluation


def lock_evaluation(pk: int) -> SupplierEvaluation:
    found = SupplierEvaluation.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(record_type="SupplierEvaluation", record_id=pk)
    return found
