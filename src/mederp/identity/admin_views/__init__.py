"""Administration pages: users, API clients and keys, the security log, reviews (issue 3 §9)."""

from mederp.identity.admin_views.apiclients import (
    apiclient_create,
    apiclient_detail,
    apiclient_list,
    key_issue,
    key_revoke,
    key_rotate,
)
from mederp.identity.admin_views.ratelimits import apiclient_limit
from mederp.identity.admin_views.reviews import (
    recertification,
    recertification_export,
    role_matrix,
    role_matrix_export,
)
from mederp.identity.admin_views.security import security_events, security_events_export
from mederp.identity.admin_views.users import (
    user_create,
    user_deactivate,
    user_detail,
    user_edit,
    user_list,
    user_reactivate,
    user_reset_password,
    user_unlock,
    user_verify_identity,
)

__all__ = [
    "apiclient_create",
    "apiclient_detail",
    "apiclient_limit",
    "apiclient_list",
    "key_issue",
    "key_revoke",
    "key_rotate",
    "recertification",
    "recertification_export",
    "role_matrix",
    "role_matrix_export",
    "security_events",
    "security_events_export",
    "user_create",
    "user_deactivate",
    "user_detail",
    "user_edit",
    "user_list",
    "user_reactivate",
    "user_reset_password",
    "user_unlock",
    "user_verify_identity",
]
