"""The production router."""

from ninja import Router

router = Router(tags=["production"])
