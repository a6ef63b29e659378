"""/api/v1/quality/... endpoints of nonconformance."""

from ninja import Router

router = Router(tags=["quality"])
