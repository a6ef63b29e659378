"""The production router and what its modules share: quantities as exact decimals (strings or
integers; a JSON float is refused, never rounded), the shop-floor source fields."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router
from pydantic import Field, StrictInt, StrictStr

from mederp.core.errors import Conflict

router = Router(tags=["production"])

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]
SourceIn = Annotated[
    Literal["manual", "mes"],
    Field(description="manual: a person at a screen; mes: an MES event (event_id required)"),
]
EventIdIn = Annotated[
    str,
    Field(
        max_length=64,
        description="The MES event's id: a redelivered event returns what it recorded the first "
        "time",
    ),
]


def decimal_text(value: Decimal | None) -> str | None:
    """``Decimal("12.500000")`` -> ``"12.5"``: the API's quantities, never ``1.2E+1``."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def already_answered() -> tuple[int, Any]:
    # Only reached if the stored response was purged in between: ask the client to retry.
    raise Conflict()


def session_key(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)
