"""Production endpoints under /api/v1/production: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types. Split by subdomain; each
module adds its operations to the one router.
"""

from mederp.production.api import shopfloor, workorders
from mederp.production.api.common import router

__all__ = ["router", "shopfloor", "workorders"]
