"""Administration URLs, included by ``identity.urls`` under ``admin/`` in the ``identity``
namespace (``identity:user_list``, ``identity:security_events``...)."""

from django.urls import path

from mederp.identity import admin_views as v

urlpatterns = [
    path("users/", v.user_list, name="user_list"),
    path("users/new/", v.user_create, name="user_create"),
    path("users/<int:pk>/", v.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", v.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", v.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", v.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/unlock/", v.user_unlock, name="user_unlock"),
    path("users/<int:pk>/password/", v.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/identity/", v.user_verify_identity, name="user_verify_identity"),
    path("api-clients/", v.apiclient_list, name="apiclient_list"),
    path("api-clients/new/", v.apiclient_create, name="apiclient_create"),
    path("api-clients/<int:pk>/", v.apiclient_detail, name="apiclient_detail"),
    path("api-clients/<int:pk>/rate-limit/", v.apiclient_limit, name="apiclient_limit"),
    path("api-clients/<int:pk>/keys/new/", v.key_issue, name="key_issue"),
    path("api-clients/<int:pk>/keys/<int:key_pk>/rotate/", v.key_rotate, name="key_rotate"),
    path("api-clients/<int:pk>/keys/<int:key_pk>/revoke/", v.key_revoke, name="key_revoke"),
    path("security-events/", v.security_events, name="security_events"),
    path("security-events/export.csv", v.security_events_export, name="security_events_export"),
    path("roles/", v.role_matrix, name="role_matrix"),
    path("roles/export.csv", v.role_matrix_export, name="role_matrix_export"),
    path("recertification/", v.recertification, name="recertification"),
    path("recertification/export.csv", v.recertification_export, name="recertification_export"),
]
