"""What may be signed on a user record: an administrator's MFA reset (11.200; ES-10, AC-07).

The signed content is the person the account belongs to (id, user name, printed name), not the
authenticator being removed: the signature stays valid after the reset it authorised, and shows
invalid only if the account were later made to name someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from mederp.core import signatures
from mederp.core.signing_rules import SigningAttempt
from mederp.identity.errors import MfaSelfReset

MFA_RESET = "mfa_reset"


@dataclass(frozen=True)
class NotOwnAccount:
    """Segregation of duties: nobody signs a reset of their own second factor."""

    meanings: frozenset[str] = frozenset({MFA_RESET})

    def applies_to(self, meaning: str) -> bool:
        return meaning in self.meanings

    def check(self, attempt: SigningAttempt) -> None:
        if attempt.signer.pk == attempt.record.pk:
            raise MfaSelfReset()

    def describe(self) -> str:
        return str(_("Nobody may reset their own two-factor authentication."))


def user_content(user: models.Model) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": getattr(user, "username", ""),
        "printed_name": getattr(user, "printed_name", ""),
    }


def register() -> None:
    signatures.register(
        signatures.SigningPolicy(
            record_type="identity.user",
            meanings={MFA_RESET: "identity.change_user"},
            content=user_content,
            rules=(NotOwnAccount(),),
            description=_("User accounts: an administrator signs the reset of someone's MFA."),
        )
    )
