"""Nonconformance use cases: the only code that writes NCRs (invariant 1). Import from here."""

from mederp.quality.nonconformance.services.closing import close_ncr
from mederp.quality.nonconformance.services.disposition import disposition_ncr
from mederp.quality.nonconformance.services.investigation import investigate_ncr
from mederp.quality.nonconformance.services.opening import AffectedItem, open_ncr

__all__ = ["AffectedItem", "close_ncr", "disposition_ncr", "investigate_ncr", "open_ncr"]
