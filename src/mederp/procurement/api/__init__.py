"""Procurement endpoints under /api/v1/procurement: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types. Split by subdomain; each
module adds its operations to the one router.
"""

from mederp.procurement.api import orders, receipts
from mederp.procurement.api.common import router

__all__ = ["orders", "receipts", "router"]
