"""The audit trail page and CSV export (AT-09, AT-10, AT-11): filters, read-only roles, export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from mederp.catalog import services as catalog
from mederp.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(admin, system):
    box = catalog.create_uom(admin, code="BOX", name_zh="盒", name_en="box")
    catalog.change_uom(admin, box.pk, reason="英文名大写 capitalise", name_en="Box")
    catalog.create_uom(system, code="EA", name_zh="个", name_en="each")
    return box


def _client_for(make_user, role):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(f"user-{role}", role))
    return client


def test_auditor_sees_who_what_when_and_why(history, make_user):
    r = _client_for(make_user, "auditor").get("/audit/")
    text = r.content.decode()
    assert r.status_code == 200
    assert "英文名大写 capitalise" in text and "catalog.unitofmeasure" in text
    assert "box" in text and "Box" in text


def test_filters_narrow_by_record_and_user(history, make_user):
    client = _client_for(make_user, "auditor")
    r = client.get(
        "/audit/", {"record_type": "catalog.unitofmeasure", "record_id": str(history.pk)}
    )
    text = r.content.decode()
    assert "英文名大写" in text and ">EA " not in text
    r = client.get("/audit/", {"actor": "test"})
    assert "catalog.unitofmeasure:" in r.content.decode()
    assert "英文名大写" not in r.content.decode()


def test_time_range_filter_and_bad_range_message(history, make_user):
    client = _client_for(make_user, "auditor")
    future = (clock.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.get("/audit/", {"since": future})
    assert "No entries match." in r.content.decode()
    past = (clock.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.get("/audit/", {"since": future, "until": past})
    assert "The end must be after the start." in r.content.decode()


def test_csv_export_holds_every_matching_entry(history, make_user):
    r = _client_for(make_user, "auditor").get("/audit/export.csv", {"record_id": str(history.pk)})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    body = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["action"] for row in rows} == {"create", "update"}
    assert any(row["reason"] == "英文名大写 capitalise" for row in rows)


def test_roles_without_audit_permission_are_refused(history, make_user):
    client = _client_for(make_user, "warehouse")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_the_auditor_cannot_write(make_user):
    import json

    client = _client_for(make_user, "auditor")
    r = client.post(
        "/api/v1/catalog/uoms",
        data=json.dumps({"code": "EA", "name_zh": "个", "name_en": "each"}),
        content_type="application/json",
    )
    assert r.status_code == 403
