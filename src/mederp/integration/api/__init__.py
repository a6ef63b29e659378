"""Integration endpoints under /api/v1/integration: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types. Split by subdomain; each
module imports the one router from ``common`` and is imported here.
"""

from mederp.integration.api import lims, mes, relay, wms
from mederp.integration.api.common import router

__all__ = ["lims", "mes", "relay", "router", "wms"]
