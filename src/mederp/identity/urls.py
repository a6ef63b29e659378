"""Account URLs under /accounts/. ``login`` and ``logout`` keep their plain names (Django's
LOGIN_URL and every template use them); the rest are in the ``identity`` namespace, which other
identity pages join by adding their patterns to that include."""

from django.urls import URLPattern, URLResolver, include, path

from mederp.identity import views

account_patterns: list[URLPattern | URLResolver] = [
    path("login/verify/", views.login_verify, name="login_verify"),
    path("login/enrol/", views.login_enrol, name="login_enrol"),
    path("password/", views.password_change, name="password_change"),
    path("mfa/", views.mfa_overview, name="mfa"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("sessions/", views.my_sessions, name="my_sessions"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("users/<int:pk>/mfa/disable/", views.mfa_disable, name="mfa_disable"),
    # Administration (users, API clients, security events, reviews): identity.admin_urls.
    path("admin/", include("mederp.identity.admin_urls")),
]

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_page, name="logout"),
    path("", include((account_patterns, "identity"))),
]
