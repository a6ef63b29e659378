"""Every row lock the partners app takes: partner before its documents, each ordered by pk
(STYLE rule 5)."""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.partners.models import Partner, QualificationDocument


def lock_partner(pk: int) -> Partner:
    partner = Partner.objects.select_for_update().filter(pk=pk).first()
    if partner is None:
        raise NotFound(record_type="Partner", record_id=pk)
    return partner


def lock_document(pk: int) -> tuple[Partner, QualificationDocument]:
    """Lock a document's partner (the event aggregate), then the document itself."""
    partner_id = (
        QualificationDocument.objects.filter(pk=pk).values_list("partner_id", flat=True).first()
    )
    if partner_id is None:
        raise NotFound(record_type="QualificationDocument", record_id=pk)
    partner = lock_partner(partner_id)
    doc = QualificationDocument.objects.select_for_update().filter(pk=pk).first()
    if doc is None:
        raise NotFound(record_type="QualificationDocument", record_id=pk)
    return partner, doc
