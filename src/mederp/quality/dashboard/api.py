"""/api/v1/quality/... endpoints of quality dashboard."""

from ninja import Router

router = Router(tags=["quality"])
