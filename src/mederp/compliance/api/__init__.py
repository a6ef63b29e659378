"""Compliance endpoints under /api/v1/compliance: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types. Split by subdomain; each
module imports the one router from ``common`` and is imported here.
"""

from mederp.compliance.api import dhr, recalls, trace
from mederp.compliance.api.common import router

__all__ = ["dhr", "recalls", "router", "trace"]
