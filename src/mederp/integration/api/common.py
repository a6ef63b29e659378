"""The integration router."""

from ninja import Router

router = Router(tags=["integration"])
