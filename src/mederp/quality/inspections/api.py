"""/api/v1/quality/... endpoints of inspections."""

from ninja import Router

router = Router(tags=["quality"])
