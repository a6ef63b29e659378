"""Every row lock identity's administration takes, ordered by primary key (STYLE rule 5).

Where a service locks both, the client (user) is locked before its key, always.
"""

from __future__ import annotations

from mederp.core.errors import NotFound
from mederp.identity.models import ApiToken, User


def lock_user(pk: int) -> User:
    user = User.objects.select_for_update().filter(pk=pk).first()
    if user is None:
        raise NotFound(record_type="User", record_id=pk)
    return user


def lock_key(pk: int) -> tuple[User, ApiToken]:
    """The key and its client, client first."""
    user_id = ApiToken.objects.filter(pk=pk).values_list("user_id", flat=True).first()
    if user_id is None:
        raise NotFound(record_type="ApiToken", record_id=pk)
    client = lock_user(user_id)
    token = ApiToken.objects.select_for_update().filter(pk=pk).first()
    if token is None:
        raise NotFound(record_type="ApiToken", record_id=pk)
    token.user = client
    return client, token
