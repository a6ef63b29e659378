"""Every row lock the CAPA app takes (STYLE rule 5): the number counter first (opening), then
the CAPA, then its actions by primary key."""

from __future__ import annotations

from mederp.quality.capa.errors import ActionNotFound, CapaNotFound
from mederp.quality.capa.models import Capa, CapaAction


def lock_capa(pk: int) -> Capa:
    found = Capa.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise CapaNotFound(record_id=pk)
    return found


def lock_action(capa: Capa, action_id: int) -> CapaAction:
    found = CapaAction.objects.select_for_update().filter(capa=capa, pk=action_id).first()
    if found is None:
        raise ActionNotFound(capa=capa.number, action_id=action_id)
    return found
