"""Identity: users, roles (as groups), API clients and their tokens. Uses: core."""

from typing import Any

from django.apps import AppConfig


def record_signature_refusal(user: Any, code: str, *, target: str, detail: dict[str, Any]) -> None:
    """core.signatures' refusal hook: security-log a refused signature (ES-13, AT-12).

    Wrong passwords and TOTP codes were already logged (and counted toward lockout) by
    credentials.authenticate_signer as signature_failed / mfa_replay_refused: not twice.
    """
    from mederp.identity import securitylog
    from mederp.identity.errors import InvalidCredentials, InvalidTotp, TotpReplayed
    from mederp.identity.models import User

    if code in (InvalidCredentials.code, InvalidTotp.code, TotpReplayed.code):
        return
    person = user if isinstance(user, User) else None
    securitylog.record(
        securitylog.SIGNATURE_REFUSED,
        user=person,
        username="" if person else str(getattr(user, "username", "") or ""),
        target=target,
        detail=detail,
    )


class IdentityConfig(AppConfig):
    name = "mederp.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from mederp.identity.roles import sync_roles_after_migrate

        # Framework set-up, not business logic: roles need every app's permissions to exist.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="mederp.identity.sync_roles")

        from mederp.core import signatures
        from mederp.identity.credentials import authenticate_signer

        # core may not import identity: it re-authenticates signers and logs refused
        # signatures through these hooks (ADR 0003).
        signatures.set_authenticator(authenticate_signer)
        signatures.set_refusal_recorder(record_signature_refusal)

        from mederp.identity import signing

        signing.register()
