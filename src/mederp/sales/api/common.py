"""The sales router and what its modules share: quantities and prices as exact decimals
(strings or integers; a JSON float is refused, never rounded), the idempotency guard type."""

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router
from pydantic import Field, StrictInt, StrictStr

from mederp.core.errors import Conflict

router = Router(tags=["sales"])

Exact = Annotated[
    StrictStr | StrictInt,
    Field(description='An exact decimal as a string ("12.5") or an integer; never a float'),
]

Guard = Callable[[dict[str, Any], Callable[[], tuple[int, Any]]], Any]


def decimal_text(value: Decimal) -> str:
    """``Decimal("12.500000")`` -> ``"12.5"``: the API's quantities, never ``1.2E+1``."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def already_answered() -> tuple[int, Any]:
    # Only reached if the stored response was purged in between: ask the client to retry.
    raise Conflict()


def session_key(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)
