"""The catalog router; input schemas derive from ``core.schemas.StrictIn``."""

from ninja import Router

from mederp.core.schemas import StrictIn

__all__ = ["StrictIn", "router"]

router = Router(tags=["catalog"])
