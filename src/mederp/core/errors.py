"""Coded domain errors (invariant 7, STYLE rule 4).

Every refusal a user can cause is a :class:`DomainError` with a stable ``code`` and a message from
the gettext catalogue, so the API and the UI show it in the request's language (zh-Hans or en).
The HTTP status for each kind of error is decided here, in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal with a stable code; ``message`` is a lazy translation filled from ``details``."""

    code: ClassVar[str] = "error"
    message: ClassVar[str | Promise] = _("The request was refused.")
    http_status: ClassVar[int] = 422

    def __init__(self, message: str | Promise | None = None, **details: Any) -> None:
        self.details = details
        if message is not None:
            self.message = message  # type: ignore[misc]
        super().__init__(self.code)

    def render_message(self) -> str:
        """The message in the active language, with ``details`` filled in."""
        text = str(self.message)
        try:
            return text.format(**self.details)
        except (KeyError, IndexError, ValueError):
            return text

    def __str__(self) -> str:
        return f"{self.code}: {self.render_message()}"


class ValidationFailed(DomainError):
    """Input that fails field rules; ``details.fields`` maps field names to messages."""

    code = "validation_failed"
    message = _("Some fields are not valid.")
    http_status = 422


class NotFound(DomainError):
    code = "not_found"
    message = _("{record_type} {record_id} does not exist.")
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    message = _("The request conflicts with the current state of the record.")
    http_status = 409


class Duplicate(Conflict):
    code = "duplicate"
    message = _("A {record_type} with {field} {value} already exists.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    message = _("You do not have permission to do this.")
    http_status = 403


class ReasonRequired(DomainError):
    """AT-04: changes and voids of regulated records need a reason."""

    code = "audit.reason_required"
    message = _("A reason is required to change or void this record.")
    http_status = 422


class StaleRecord(Conflict):
    code = "stale_record"
    message = _("The record was changed by someone else since you loaded it. Reload and retry.")


def field_errors(errors: dict[str, list[str]]) -> ValidationFailed:
    """A :class:`ValidationFailed` whose details list each bad field with its messages."""
    return ValidationFailed(fields={k: [str(m) for m in v] for k, v in errors.items()})
