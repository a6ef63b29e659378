"""/api/v1/quality/... endpoints of complaints."""

from ninja import Router

router = Router(tags=["quality"])
