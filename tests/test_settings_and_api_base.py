"""Settings refuse unsafe production starts; the API base answers bad requests with coded JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mederp.catalog.models import UnitOfMeasure


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "MEDERP_ENV")}
    return subprocess.run(
        [sys.executable, "-c", "import mederp.config.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_the_default_secret():
    r = _import_settings({"MEDERP_ENV": "production", "DEBUG": "0"})
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr


def test_production_refuses_debug():
    r = _import_settings({"MEDERP_ENV": "production", "DEBUG": "1", "SECRET_KEY": "x" * 50})
    assert r.returncode != 0 and "DEBUG" in r.stderr


def test_production_starts_with_a_real_secret_and_debug_off():
    r = _import_settings({"MEDERP_ENV": "production", "DEBUG": "0", "SECRET_KEY": "k" * 50})
    assert r.returncode == 0, r.stderr


def test_passwords_are_hashed_with_argon2_by_default():
    r = subprocess.run(
        [sys.executable, "-c", "import mederp.config.settings as s; print(s.PASSWORD_HASHERS[0])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert r.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_an_oversized_body_is_refused_with_413_and_writes_nothing(api, unchanged, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {"code": "EA", "name_zh": "个" * 2000, "name_en": "each"}
    with unchanged(UnitOfMeasure):
        r = api.post("/api/v1/catalog/uoms", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 413 and r.json()["code"] == "request.too_large"


@pytest.mark.django_db
def test_malformed_json_is_400_with_a_code(api, unchanged):
    with unchanged(UnitOfMeasure):
        r = api.post("/api/v1/catalog/uoms", data="{", content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "request.malformed"


@pytest.mark.django_db
def test_openapi_document_is_served_to_signed_in_users(api):
    r = api.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.json()["info"]["title"] == "MedERP API"


@pytest.mark.django_db
def test_every_response_carries_a_request_id(api):
    r = api.get("/api/v1/catalog/uoms", HTTP_X_REQUEST_ID="req-123")
    assert r["X-Request-ID"] == "req-123"


@pytest.mark.django_db
def test_openapi_document_and_docs_are_closed_to_anonymous_callers(client):
    for url in ("/api/v1/openapi.json", "/api/v1/docs"):
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
