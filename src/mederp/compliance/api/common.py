"""The compliance router."""

from ninja import Router

router = Router(tags=["compliance"])
