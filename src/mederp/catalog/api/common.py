"""The catalog router and the base of its input schemas."""

from ninja import Router, Schema
from pydantic import ConfigDict

router = Router(tags=["catalog"])


class StrictIn(Schema):
    """Input schemas refuse unknown fields (invariant 7) and trim text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
