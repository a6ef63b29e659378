"""Catalog endpoints under /api/v1/catalog: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types. Split by subdomain; each
module adds its operations to the one router.
"""

from mederp.catalog.api import approval, boms, products, registrations, uoms
from mederp.catalog.api.common import router

__all__ = ["approval", "boms", "products", "registrations", "router", "uoms"]
