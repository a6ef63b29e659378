"""The complaint part's router (registered under /api/v1/quality)."""

from ninja import Router

router = Router(tags=["quality"])
