"""What a CAPA links to, resolved by kind and id (QE-07: CAPAs are linked to complaints, NCs,
audits and recalls).

NCRs and complaints live in other quality apps, recalls in compliance: they are read through
the app registry, so this app does not import their models. A referenced record must exist when
its app is installed; an audit is a free reference (the audit report's number), with no id.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models

from mederp.quality.capa.errors import FieldRequired, LinkTargetNotFound, UnknownLinkKind
from mederp.quality.capa.models import LinkKind

#: kind -> (app label, model name) of the record linked by id.
MODELS: dict[str, tuple[str, str]] = {
    LinkKind.NCR: ("nonconformance", "Nonconformance"),
    LinkKind.COMPLAINT: ("complaints", "Complaint"),
    LinkKind.RECALL: ("compliance", "Recall"),
}


@dataclass(frozen=True)
class ResolvedLink:
    kind: str
    ref_id: int | None
    ref_number: str


def model_for(kind: str) -> type[models.Model] | None:
    label, name = MODELS[kind]
    try:
        return apps.get_model(label, name)
    except LookupError:  # the app that owns the record is not built yet
        return None


def resolve(kind: str, ref: int | str | None) -> ResolvedLink:
    """The link ``(kind, ref)`` checked and numbered; raises the coded refusal."""
    kind = (kind or "").strip().lower()
    if kind not in LinkKind.values:
        raise UnknownLinkKind(kind=kind, field="kind")
    if kind == LinkKind.AUDIT:
        text = str(ref or "").strip()
        if not text:
            raise FieldRequired(label="audit reference", field="ref")
        return ResolvedLink(kind, None, text[:64])
    try:
        ref_id = int(ref)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise LinkTargetNotFound(kind=kind, ref_id=ref, field="ref") from None
    model = model_for(kind)
    if model is None:
        return ResolvedLink(kind, ref_id, f"#{ref_id}")
    found = model._default_manager.filter(pk=ref_id).first()
    if found is None:
        raise LinkTargetNotFound(kind=kind, ref_id=ref_id, field="ref")
    return ResolvedLink(kind, ref_id, str(getattr(found, "number", "") or f"#{ref_id}")[:64])


def url_for(kind: str, ref_id: int | None) -> str:
    """The page of the linked record, when its app has one."""
    from django.urls import NoReverseMatch, reverse

    names: dict[str, str] = {
        LinkKind.NCR: "nonconformance:ncr_detail",
        LinkKind.COMPLAINT: "complaints:complaint_detail",
        LinkKind.RECALL: "compliance:recall_detail",
    }
    if ref_id is None or kind not in names:
        return ""
    try:
        return reverse(names[kind], args=[ref_id])
    except NoReverseMatch:
        return ""
