"""Reads of CAPAs that more than one caller needs: lists with the overdue flag, one CAPA with
its actions and links, and the aging buckets the list's chart and the quality dashboard draw
(ISO 13485 §8.5.2; QE-07)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mederp.core import clock
from mederp.quality.capa.models import ACTIVE_STATES, Capa, CapaAction, CapaState

#: (bucket key, label, lowest age in days, highest age in days or None).
AGE_BUCKETS: tuple[tuple[str, Any, int, int | None], ...] = (
    ("0-30", _("0–30 days"), 0, 30),
    ("31-60", _("31–60 days"), 31, 60),
    ("61-90", _("61–90 days"), 61, 90),
    ("90+", _("over 90 days"), 91, None),
)


def plant_today() -> dt.date:
    """Today in the plant's time zone (the day a due date is judged on)."""
    return timezone.localdate(clock.now())


def overdue_actions(today: dt.date | None = None) -> QuerySet[CapaAction]:
    """Actions not done whose due date has passed."""
    day = today or plant_today()
    return CapaAction.objects.filter(done_at__isnull=True, due_date__lt=day)


def overdue_q(today: dt.date | None = None) -> Q:
    """A CAPA not closed or cancelled is overdue when its own due date has passed or one of
    its open actions is past due."""
    day = today or plant_today()
    late_action = Exists(overdue_actions(day).filter(capa=OuterRef("pk")))
    return Q(state__in=ACTIVE_STATES) & (Q(due_date__lt=day) | Q(late_action))


def list_capas(
    *,
    state: str = "",
    overdue: bool | None = None,
    owner_id: int | None = None,
    today: dt.date | None = None,
) -> list[Capa]:
    """CAPAs, newest first, each with ``overdue`` (bool) and ``open_actions`` (int) set."""
    day = today or plant_today()
    qs = Capa.objects.select_related("owner").order_by("-id")
    if state:
        qs = qs.filter(state=state)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    late = set(Capa.objects.filter(overdue_q(day)).values_list("pk", flat=True))
    if overdue is True:
        qs = qs.filter(pk__in=late)
    elif overdue is False:
        qs = qs.exclude(pk__in=late)
    rows = list(qs)
    open_counts = _open_action_counts([c.pk for c in rows])
    for capa in rows:
        capa.overdue = capa.pk in late  # type: ignore[attr-defined]
        capa.open_actions = open_counts.get(capa.pk, 0)  # type: ignore[attr-defined]
    return rows


def _open_action_counts(ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for capa_id in CapaAction.objects.filter(capa_id__in=ids, done_at__isnull=True).values_list(
        "capa_id", flat=True
    ):
        counts[capa_id] = counts.get(capa_id, 0) + 1
    return counts


def is_overdue(capa: Capa, today: dt.date | None = None) -> bool:
    return Capa.objects.filter(pk=capa.pk).filter(overdue_q(today)).exists()


def get_capa(pk: int) -> Capa | None:
    """One CAPA with ``overdue`` set and its actions (each with ``overdue``) and links."""
    capa = Capa.objects.select_related("owner", "effectiveness_checked_by").filter(pk=pk).first()
    if capa is None:
        return None
    day = plant_today()
    capa.overdue = is_overdue(capa, day)  # type: ignore[attr-defined]
    actions = list(capa.actions.select_related("owner", "done_by").order_by("pk"))
    for action in actions:
        action.overdue = action.done_at is None and action.due_date < day  # type: ignore[attr-defined]
    capa.action_rows = actions  # type: ignore[attr-defined]
    capa.link_rows = list(capa.links.order_by("pk"))  # type: ignore[attr-defined]
    return capa


def age_in_days(capa: Capa, today: dt.date) -> int:
    return max(0, (today - timezone.localdate(capa.opened_at)).days)


def bucket_of(age: int) -> str:
    for key, _label, low, high in AGE_BUCKETS:
        if age >= low and (high is None or age <= high):
            return key
    return AGE_BUCKETS[-1][0]


def capa_aging(today: dt.date | None = None) -> list[dict[str, Any]]:
    """Open CAPAs (not closed or cancelled) by age since opening: one dict per bucket, in
    order 0–30, 31–60, 61–90, >90 days, with ``bucket``, ``label``, ``count``, ``overdue`` (how
    many of them are overdue) and ``by_state`` ({state: count}, every active state present)."""
    day = today or plant_today()
    late = set(Capa.objects.filter(overdue_q(day)).values_list("pk", flat=True))
    result: dict[str, dict[str, Any]] = {
        key: {
            "bucket": key,
            "label": str(label),
            "count": 0,
            "overdue": 0,
            "by_state": {str(s): 0 for s in ACTIVE_STATES},
        }
        for key, label, _low, _high in AGE_BUCKETS
    }
    for pk, state, opened_at in Capa.objects.filter(state__in=ACTIVE_STATES).values_list(
        "pk", "state", "opened_at"
    ):
        age = max(0, (day - timezone.localdate(opened_at)).days)
        row = result[bucket_of(age)]
        row["count"] += 1
        row["by_state"][state] += 1
        if pk in late:
            row["overdue"] += 1
    return list(result.values())


def state_label(state: str) -> str:
    return str(CapaState(state).label)


def active_user(user_id: int | None) -> Any:
    """The active user with this id, or None (an owner picked in a form or sent by the API)."""
    from django.contrib.auth import get_user_model

    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def linked_to(kind: str, ref_id: int, *, also: tuple[int | None, ...] = ()) -> list[Capa]:
    """The CAPAs linked to the record ``(kind, ref_id)`` (an NCR, a complaint, a recall), oldest
    first, each with ``overdue`` set. ``CapaLink`` rows are the source of truth (opening a CAPA
    from an NCR writes only the link); ``also`` adds CAPAs the other record names itself (an
    NCR's ``capa_id``, a complaint's ``capa_id``)."""
    wanted = Q(links__kind=kind, links__ref_id=ref_id)
    named = [pk for pk in also if pk is not None]
    if named:
        wanted |= Q(pk__in=named)
    rows = list(Capa.objects.filter(wanted).distinct().order_by("pk"))
    late = set(
        Capa.objects.filter(pk__in=[c.pk for c in rows])
        .filter(overdue_q())
        .values_list("pk", flat=True)
    )
    for capa in rows:
        capa.overdue = capa.pk in late  # type: ignore[attr-defined]
    return rows
