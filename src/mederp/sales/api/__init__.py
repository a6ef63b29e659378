"""Sales endpoints under /api/v1/sales: schemas in, a service call, schemas out.

No ``from __future__ import annotations`` in api modules: django-ninja resolves handler
annotations through the permission wrapper, which needs real types. Split by subdomain; each
module adds its operations to the one router.
"""

from mederp.sales.api import fulfilment, orders, records
from mederp.sales.api.common import router

__all__ = ["fulfilment", "orders", "records", "router"]
