"""The suite runs on the database it was asked for: a silently ignored PostgreSQL URL would let
a SQLite run pass as a PostgreSQL one (CI runs both)."""

from __future__ import annotations

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_requested_database():
    wanted = "postgresql" if os.environ.get("MEDERP_TEST_DATABASE_URL") else "sqlite"
    assert connection.vendor == wanted
    if wanted == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version_num")
            assert int(cur.fetchone()[0]) >= 150000, "MedERP needs PostgreSQL 15+"
