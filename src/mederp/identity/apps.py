"""Identity: users, roles (as groups), API clients and their tokens. Uses: core."""

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "mederp.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from mederp.identity.roles import sync_roles_after_migrate

        # Framework set-up, not business logic: roles need every app's permissions to exist.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="mederp.identity.sync_roles")
