"""/api/v1/quality/... endpoints of lot disposition."""

from ninja import Router

router = Router(tags=["quality"])
