"""/api/v1/quality/... endpoints of supplier quality."""

from ninja import Router

router = Router(tags=["quality"])
