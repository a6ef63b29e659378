"""Deprecating one API operation: marked in OpenAPI, announced on every answer it gives.

``@deprecated(since=..., sunset=..., link=..., replacement=...)`` on a ninja operation sets
``deprecated: true`` (plus ``x-sunset`` and a sentence in the description) in the OpenAPI
document and adds to every response of the operation, errors and refusals included:

* ``Deprecation: @<unix seconds>`` -- the moment it was deprecated (RFC 9745, a structured-field
  date), midnight UTC of ``since``;
* ``Sunset: <HTTP-date>`` -- the last moment it is promised to answer (RFC 8594), the end of the
  ``sunset`` day in UTC;
* ``Link: <link>; rel="deprecation"`` to the changelog entry that explains it (RFC 9745 §3), and
  ``<replacement>; rel="successor-version"`` when there is one.

The policy (docs/api.md, "Deprecation"): an operation is deprecated for at least
:data:`MIN_NOTICE_DAYS` before its sunset, so an integrator has two release cycles to move; the
decorator refuses a shorter notice when the module is imported. Removing it after the sunset is a
breaking change like any other (``mederp openapi update --breaking-ok``).

Usable above or below ``@router.get(...)``; the header wrapper wraps the operation's ``run``,
which is where ninja turns every exception and authentication failure into a response.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpResponseBase
from django.utils.http import http_date
from ninja.decorators import decorate_view
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback

F = TypeVar("F", bound=Callable[..., Any])

#: Shortest notice between deprecation and sunset (about six months).
MIN_NOTICE_DAYS = 180


@dataclass(frozen=True)
class Deprecation:
    """When an operation was deprecated, when it sets, where to read why, what replaces it."""

    since: date
    sunset: date
    link: str
    replacement: str = ""

    def __post_init__(self) -> None:
        if not self.link:
            raise ValueError("a deprecation needs a link to its changelog entry")
        notice = (self.sunset - self.since).days
        if notice < MIN_NOTICE_DAYS:
            raise ValueError(
                f"sunset {self.sunset} is {notice} days after {self.since}; "
                f"the policy gives integrators at least {MIN_NOTICE_DAYS} days"
            )

    def headers(self) -> dict[str, str]:
        deprecated_at = datetime.combine(self.since, time.min, tzinfo=UTC)
        sets_at = datetime.combine(self.sunset, time(23, 59, 59), tzinfo=UTC)
        links = [f'<{self.link}>; rel="deprecation"']
        if self.replacement:
            links.append(f'<{self.replacement}>; rel="successor-version"')
        return {
            "Deprecation": f"@{int(deprecated_at.timestamp())}",
            "Sunset": http_date(sets_at.timestamp()),
            "Link": ", ".join(links),
        }

    def stamp(self, response: HttpResponseBase) -> HttpResponseBase:
        """Add the headers to ``response`` (a Link it already has is kept, ours appended)."""
        for name, value in self.headers().items():
            if name == "Link" and response.has_header("Link"):
                value = f"{response['Link']}, {value}"
            response[name] = value
        return response

    def sentence(self) -> str:
        text = f"**Deprecated** since {self.since}; sunset {self.sunset} ({self.link})."
        if self.replacement:
            text += f" Use {self.replacement} instead."
        return text

    def describe(self, operation: Operation) -> None:
        """Mark ``operation`` deprecated in the OpenAPI document."""
        operation.deprecated = True
        description = (operation.description or "").rstrip()
        operation.description = f"{description}\n\n{self.sentence()}".strip()
        operation.openapi_extra = {
            **(operation.openapi_extra or {}),
            "x-sunset": self.sunset.isoformat(),
        }

    def wrap(self, run: Callable[..., Any]) -> Callable[..., Any]:
        """``operation.run`` that stamps whatever it answers (ninja's decorate_view contract)."""
        if inspect.iscoroutinefunction(run):

            @wraps(run)
            async def run_async(request: Any, *args: Any, **kwargs: Any) -> Any:
                return self.stamp(await run(request, *args, **kwargs))

            return run_async

        @wraps(run)
        def run_sync(request: Any, *args: Any, **kwargs: Any) -> Any:
            return self.stamp(run(request, *args, **kwargs))

        return run_sync


def deprecated(
    *, since: str | date, sunset: str | date, link: str, replacement: str = ""
) -> Callable[[F], F]:
    """Deprecate a ninja operation; dates as ``date`` or ``"YYYY-MM-DD"``."""
    info = Deprecation(_day(since), _day(sunset), link, replacement)

    def decorate(func: F) -> F:
        decorate_view(info.wrap)(func)
        operation = getattr(func, "_ninja_operation", None)
        if operation is not None:
            info.describe(operation)
        else:
            contribute_operation_callback(func, info.describe)
        func.deprecation = info  # type: ignore[attr-defined]
        return func

    return decorate


def _day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
