"""Settings from the environment (12-factor).

Embedded mode (no ``DATABASE_URL``) runs on SQLite under ``var/`` with safe defaults so that
``make run`` works on a fresh machine. ``MEDERP_ENV=production`` refuses to start with the
development secret or with DEBUG on (21 CFR 11.10(d): system access limited to authorised people).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # src/mederp
PROJECT_DIR = Path(os.environ.get("MEDERP_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("MEDERP_VAR_DIR", PROJECT_DIR / "var"))

DEV_SECRET_KEY = "mederp-insecure-development-key-do-not-use-in-production"  # noqa: S105


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT = os.environ.get("MEDERP_ENV", "development")
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", ENVIRONMENT == "development")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

if ENVIRONMENT == "production":
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "MEDERP_ENV=production needs SECRET_KEY set to a random value of 32+ characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("MEDERP_ENV=production refuses to start with DEBUG on.")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mederp.core",
    "mederp.identity",
    "mederp.catalog",
    "mederp.partners",
    "mederp.inventory",
    "mederp.procurement",
    "mederp.sales",
    "mederp.production",
    "mederp.compliance",
    "mederp.quality.nonconformance",
    "mederp.quality.capa",
    "mederp.quality.complaints",
    "mederp.quality.inspections",
    "mederp.quality.disposition",
    "mederp.quality.suppliers",
    "mederp.quality.dashboard",
    "mederp.integration",
    "mederp.ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mederp.core.middleware.RequestContextMiddleware",
    # Refused requests and API-key calls are recorded after the response (AT-12, AC-07).
    "mederp.identity.denials.DenialMiddleware",
    "mederp.identity.apicalls.ApiCallMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle/absolute session timeouts (AC-09), then forced password change (AC-05).
    "mederp.identity.middleware.SessionPolicyMiddleware",
    "mederp.identity.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mederp.identity.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "mederp.config.urls"
WSGI_APPLICATION = "mederp.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mederp.ui.context_processors.navigation",
            ],
        },
    },
]

SQLITE_PATH = Path(os.environ.get("MEDERP_SQLITE_PATH", VAR_DIR / "mederp.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The policy figures (length, history) come from MEDERP_SECURITY below (AC-05).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "mederp.identity.passwords.PolicyLengthValidator"},
    {"NAME": "mederp.identity.passwords.NotTheUsernameValidator"},
    {"NAME": "mederp.identity.passwords.HistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "ui:dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Absolute session lifetime; the idle timeout is in MEDERP_SECURITY (AC-09).
SESSION_COOKIE_AGE = int(os.environ.get("MEDERP_SESSION_SECONDS", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Security policy (AC-04..AC-09, ES-09). Every figure can be set per installation.
MEDERP_SECURITY: dict[str, Any] = {
    # Lockout: N failures (logins and signatures together) within the window lock the account
    # for the cool-down, or until an administrator unlocks it.
    "LOCKOUT_ATTEMPTS": _env_int("MEDERP_LOCKOUT_ATTEMPTS", 5),
    "LOCKOUT_WINDOW_SECONDS": _env_int("MEDERP_LOCKOUT_WINDOW_SECONDS", 15 * 60),
    "LOCKOUT_COOLDOWN_SECONDS": _env_int("MEDERP_LOCKOUT_COOLDOWN_SECONDS", 30 * 60),
    # Passwords.
    "PASSWORD_MIN_LENGTH": _env_int("MEDERP_PASSWORD_MIN_LENGTH", 10),
    "PASSWORD_HISTORY": _env_int("MEDERP_PASSWORD_HISTORY", 5),
    "PASSWORD_MAX_AGE_DAYS": _env_int("MEDERP_PASSWORD_MAX_AGE_DAYS", 90),  # 0: never expires
    # Sessions.
    "IDLE_TIMEOUT_SECONDS": _env_int("MEDERP_IDLE_TIMEOUT_SECONDS", 15 * 60),
    "ABSOLUTE_TIMEOUT_SECONDS": SESSION_COOKIE_AGE,
    # MFA is required for these roles, and for anyone who may sign (AC-04).
    "MFA_REQUIRED_ROLES": [
        r
        for r in os.environ.get("MEDERP_MFA_REQUIRED_ROLES", "administrator,qa_manager").split(",")
        if r
    ],
    # Refused requests from one principal or address within the window that raise an alert.
    "DENIAL_BURST_COUNT": _env_int("MEDERP_DENIAL_BURST_COUNT", 10),
    "DENIAL_BURST_WINDOW_SECONDS": _env_int("MEDERP_DENIAL_BURST_WINDOW_SECONDS", 60),
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("MEDERP_DISPLAY_TZ", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from the app folders (WHITENOISE_USE_FINDERS); the root need only exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Bodies past this are refused before parsing (bad input: oversized bodies).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MEDERP_MAX_BODY_BYTES", 256 * 1024))
MEDERP_API_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE

# Compliance kernel
MEDERP_AUDIT_SIGNING_KEY_FILE = os.environ.get(
    "MEDERP_AUDIT_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "audit-ed25519.pem")
)
MEDERP_AUDIT_SEAL_BATCH = int(os.environ.get("MEDERP_AUDIT_SEAL_BATCH", 5000))
# An entry that reaches the chain this long after its own timestamp is flagged as back-dated.
MEDERP_AUDIT_MAX_TRANSACTION_SECONDS = int(os.environ.get("MEDERP_AUDIT_MAX_TXN_SECONDS", 3600))
MEDERP_IDEMPOTENCY_TTL_HOURS = int(os.environ.get("MEDERP_IDEMPOTENCY_TTL_HOURS", 48))

# Integration: the outbox relay (docs/integration.md) and API rate limits (docs/api.md).
REDIS_URL = os.environ.get("REDIS_URL", "")
MEDERP_RELAY: dict[str, Any] = {
    "BATCH": _env_int("MEDERP_RELAY_BATCH", 500),
    "POLL_SECONDS": float(os.environ.get("MEDERP_RELAY_POLL_SECONDS", "0.2")),
    "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("MEDERP_RELAY_WEBHOOK_TIMEOUT", "10")),
    "BACKOFF_BASE_SECONDS": float(os.environ.get("MEDERP_RELAY_BACKOFF_BASE", "2")),
    "BACKOFF_MAX_SECONDS": float(os.environ.get("MEDERP_RELAY_BACKOFF_MAX", "3600")),
    "LEASE_SECONDS": _env_int("MEDERP_RELAY_LEASE_SECONDS", 30),
    "MAX_ATTEMPTS": _env_int("MEDERP_RELAY_MAX_ATTEMPTS", 8),
    # Plain http:// webhooks to other hosts (signatures protect integrity, not confidentiality).
    "ALLOW_HTTP": env_bool("MEDERP_RELAY_ALLOW_HTTP", False),
}
# Inbound events (docs/integration.md): how far ahead of the server a sender's clock may be.
MEDERP_INBOUND_CLOCK_SKEW_SECONDS = _env_int("MEDERP_INBOUND_CLOCK_SKEW_SECONDS", 300)
# Token bucket per API client and per signed-in user: sustained requests per minute and burst.
MEDERP_RATE_LIMIT: dict[str, Any] = {
    "ENABLED": env_bool("MEDERP_RATE_LIMIT_ENABLED", True),
    "CLIENT_PER_MINUTE": _env_int("MEDERP_RATE_LIMIT_CLIENT_PER_MINUTE", 600),
    "CLIENT_BURST": _env_int("MEDERP_RATE_LIMIT_CLIENT_BURST", 120),
    "USER_PER_MINUTE": _env_int("MEDERP_RATE_LIMIT_USER_PER_MINUTE", 300),
    "USER_BURST": _env_int("MEDERP_RATE_LIMIT_USER_BURST", 60),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
