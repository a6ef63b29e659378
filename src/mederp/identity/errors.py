"""Identity refusals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Duplicate, ValidationFailed


class UsernameTaken(Duplicate):
    code = "identity.username_taken"
    message = _("The user name {value} is taken (user names are never reused).")


class UnknownRole(ValidationFailed):
    code = "identity.unknown_role"
    message = _("There is no role called {role}.")
