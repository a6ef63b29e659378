"""/api/v1/quality/... endpoints of capa."""

from ninja import Router

router = Router(tags=["quality"])
