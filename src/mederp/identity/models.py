"""Users and API tokens.

User ids are never reused (ES-05, 21 CFR 11.100(a)): users are deactivated, never deleted.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A named person, or an API client (``is_api_client``) acting for an integrated system."""

    printed_name = models.CharField(max_length=150, blank=True, default="")
    is_api_client = models.BooleanField(default=False)

    def get_full_name(self) -> str:
        return self.printed_name or super().get_full_name()


class ApiToken(models.Model):
    """A bearer token for an API client. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
