"""Nonconformance use cases: the only code that writes NCRs (invariant 1). Import from here."""

from mederp.quality.nonconformance.services.opening import AffectedItem, open_ncr

__all__ = ["AffectedItem", "open_ncr"]
