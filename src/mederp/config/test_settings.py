"""Test settings: PostgreSQL when MEDERP_TEST_DATABASE_URL is set, else a throwaway SQLite file."""

from __future__ import annotations

import os
import tempfile

import dj_database_url

from mederp.config.settings import *  # noqa: F403
from mederp.config.settings import DATABASES

_url = os.environ.get("MEDERP_TEST_DATABASE_URL")
if _url:
    DATABASES["default"] = dj_database_url.parse(_url, conn_max_age=0)
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MEDERP_TEST_DB_NAME", "mederp_test")}
else:
    _tmp = tempfile.mkdtemp(prefix="mederp-test-")
    DATABASES["default"]["NAME"] = os.path.join(_tmp, "mederp.sqlite3")
    # A file, not :memory:, so the live server and browser tests see the same database.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(_tmp, "mederp-test.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 tested apart
DEBUG = False

# The suite (and its schemathesis run) makes thousands of API calls as one user: the limits stay
# on, so every call goes through the bucket, but far above what a test makes. The rate-limit
# tests lower them (``settings`` fixture) or give a client its own limit.
MEDERP_RATE_LIMIT = {
    **MEDERP_RATE_LIMIT,  # noqa: F405
    "CLIENT_PER_MINUTE": 1_000_000,
    "CLIENT_BURST": 1_000_000,
    "USER_PER_MINUTE": 1_000_000,
    "USER_BURST": 1_000_000,
}
