"""Warehouse and location pages: thin over the same services (invariants 1, 9; AT-02, AT-04)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mederp.core.models import AuditEntry
from mederp.inventory import services
from mederp.inventory.models import Location, Warehouse

pytestmark = pytest.mark.django_db

TABLES = (Warehouse, Location)


@pytest.fixture
def browser(make_user) -> Client:
    """A signed-in member of the warehouse role (may view, add and change)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("wh", "warehouse"))
    return client


@pytest.fixture
def viewer(make_user) -> Client:
    """A signed-in member of the production role (may view only)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("prod", "production"))
    return client


def text(response) -> str:
    return response.content.decode()


def test_the_navigation_target_lists_warehouses(browser, warehouse):
    r = browser.get(reverse("inventory:warehouse_list"))
    assert r.status_code == 200
    assert "SZ01" in text(r) and "苏州仓" in text(r)
    assert reverse("inventory:warehouse_create") in text(r)


def test_the_detail_page_groups_locations_by_kind_with_their_ranges(
    browser, admin, warehouse, cold_room, quarantine
):
    services.create_location(
        admin, warehouse.pk, code="SUPPLIER", name="供应商（在途）", kind="supplier"
    )
    services.create_location(
        admin, warehouse.pk, code="STO", name="合格品区", kind="storage", temp_max_c=30
    )
    r = browser.get(reverse("inventory:warehouse_detail", args=[warehouse.pk]))
    assert r.status_code == 200
    page = text(r)
    for heading in (
        'id="kind-storage"',
        'id="kind-cold"',
        'id="kind-quarantine"',
        'id="kind-supplier"',
    ):
        assert heading in page
    assert 'id="kind-scrap"' not in page  # no empty groups
    # Declared order: storage, cold, quarantine, ..., supplier.
    assert page.index("kind-storage") < page.index("kind-cold") < page.index("kind-quarantine")
    assert "冷库 · Cold storage" in page and "待验区 · Quarantine" in page
    assert "2–8 °C" in page and "≤ 30 °C" in page
    assert "virtual" in page
    assert reverse("inventory:location_edit", args=[cold_room.pk]) in page


def test_the_history_panel_includes_the_locations_entries(browser, admin, warehouse, cold_room):
    services.change_location(admin, cold_room.pk, reason="sensor recalibrated", temp_max_c=6)
    services.change_warehouse(admin, warehouse.pk, reason="renamed site", name_en="Suzhou DC")
    r = browser.get(reverse("inventory:warehouse_detail", args=[warehouse.pk]))
    page = text(r)
    assert "sensor recalibrated" in page and "renamed site" in page
    assert "COLD 冷库 2–8 °C" in page  # the record column names the location
    assert page.count("<td>create</td>") == 2 and page.count("<td>update</td>") == 2


def test_creating_a_warehouse_through_the_form(browser):
    r = browser.post(
        reverse("inventory:warehouse_create"),
        {"code": "wh2", "name_zh": "二号仓", "name_en": "", "address": ""},
    )
    warehouse = Warehouse.objects.get(code="WH2")
    assert r.status_code == 302
    assert r["Location"] == reverse("inventory:warehouse_detail", args=[warehouse.pk])
    assert AuditEntry.objects.filter(record_type="inventory.warehouse").count() == 1


def test_a_taken_code_is_shown_on_the_form_and_writes_nothing(browser, warehouse, unchanged):
    with unchanged(*TABLES):
        r = browser.post(reverse("inventory:warehouse_create"), {"code": "sz01", "name_zh": "重复"})
    assert r.status_code == 200
    assert "already exists" in text(r) and "inventory.warehouse_code_taken" in text(r)


def test_the_edit_form_carries_the_version_and_asks_for_a_reason(browser, warehouse):
    r = browser.get(reverse("inventory:warehouse_edit", args=[warehouse.pk]))
    page = text(r)
    assert 'type="hidden" name="version" value="1"' in page
    assert 'name="reason"' in page and 'value="SZ01"' in page


def edit_warehouse(client, warehouse, **overrides):
    data = {
        "code": warehouse.code,
        "name_zh": warehouse.name_zh,
        "name_en": warehouse.name_en,
        "address": warehouse.address,
        "is_active": "on",
        "version": warehouse.version,
        "reason": "",
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("inventory:warehouse_edit", args=[warehouse.pk]), data)


def test_an_edit_without_a_reason_is_refused_and_writes_nothing(browser, warehouse, unchanged):
    with unchanged(*TABLES):
        r = edit_warehouse(browser, warehouse, name_en="Suzhou DC")
    assert r.status_code == 200 and "A reason is required" in text(r)
    warehouse.refresh_from_db()
    assert warehouse.name_en == "Suzhou warehouse"


def test_an_edit_with_a_reason_is_saved_and_audited(browser, warehouse):
    r = edit_warehouse(browser, warehouse, name_en="Suzhou DC", reason="renamed")
    assert r.status_code == 302
    warehouse.refresh_from_db()
    assert (warehouse.name_en, warehouse.version) == ("Suzhou DC", 2)
    assert AuditEntry.objects.get(action="update").reason == "renamed"


def test_deactivating_through_the_form_needs_a_reason(browser, warehouse):
    r = edit_warehouse(browser, warehouse, is_active=None, reason="site closed")
    assert r.status_code == 302
    warehouse.refresh_from_db()
    assert warehouse.is_active is False


@pytest.mark.parametrize("version", ["0", "abc", None])
def test_an_edit_from_a_stale_or_missing_version_is_refused(browser, warehouse, unchanged, version):
    with unchanged(*TABLES):
        r = edit_warehouse(browser, warehouse, name_en="X", reason="r", version=version)
    assert r.status_code == 200 and "stale_record" in text(r)


def location_data(**overrides):
    data = {
        "code": "cold2",
        "name": "冷库二",
        "name_en": "",
        "kind": "cold",
        "temp_min_c": "2",
        "temp_max_c": "8",
    }
    data.update(overrides)
    return data


def test_creating_a_location_through_the_form(browser, warehouse):
    r = browser.post(reverse("inventory:location_create", args=[warehouse.pk]), location_data())
    assert r.status_code == 302
    assert r["Location"] == reverse("inventory:warehouse_detail", args=[warehouse.pk])
    loc = Location.objects.get(code="COLD2")
    assert (loc.warehouse_id, loc.temp_min_c, loc.temp_max_c) == (warehouse.pk, 2, 8)


def test_the_location_form_offers_every_kind_in_both_languages(browser, warehouse):
    page = text(browser.get(reverse("inventory:location_create", args=[warehouse.pk])))
    for label in (
        "合格品区",
        "冷库",
        "待验区",
        "不合格品区",
        "退货区",
        "供应商",
        "客户",
        "生产",
        "报废",
    ):
        assert label in page
    assert "Quarantine" in page


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"temp_max_c": ""}, "A cold location needs both"),
        ({"temp_min_c": "9"}, "is above the highest"),
        ({"kind": "freezer"}, "Select a valid choice"),
        ({"temp_min_c": "warm"}, "Enter a number"),
        ({"code": "A 1"}, "Use letters, digits"),
    ],
)
def test_bad_location_input_is_shown_on_the_form_and_writes_nothing(
    browser, warehouse, unchanged, overrides, message
):
    with unchanged(*TABLES):
        r = browser.post(
            reverse("inventory:location_create", args=[warehouse.pk]), location_data(**overrides)
        )
    assert r.status_code == 200 and message in text(r)


def test_a_taken_location_code_is_shown_on_the_form(browser, warehouse, cold_room, unchanged):
    with unchanged(*TABLES):
        r = browser.post(
            reverse("inventory:location_create", args=[warehouse.pk]), location_data(code="cold")
        )
    assert r.status_code == 200 and "inventory.location_code_taken" in text(r)


def edit_location(client, location, **overrides):
    data = {
        "code": location.code,
        "name": location.name,
        "name_en": location.name_en,
        "kind": location.kind,
        "temp_min_c": location.temp_min_c or "",
        "temp_max_c": location.temp_max_c or "",
        "is_active": "on",
        "version": location.version,
        "reason": "",
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("inventory:location_edit", args=[location.pk]), data)


def test_the_location_edit_form_carries_the_version_and_current_values(browser, cold_room):
    page = text(browser.get(reverse("inventory:location_edit", args=[cold_room.pk])))
    assert 'type="hidden" name="version" value="1"' in page
    assert 'value="2.0"' in page and 'name="reason"' in page


def test_a_location_edit_needs_a_reason(browser, cold_room, unchanged):
    with unchanged(*TABLES):
        r = edit_location(browser, cold_room, temp_max_c="6")
    assert r.status_code == 200 and "A reason is required" in text(r)
    r = edit_location(browser, cold_room, temp_max_c="6", reason="recalibrated")
    assert r.status_code == 302
    cold_room.refresh_from_db()
    assert (cold_room.temp_max_c, cold_room.version) == (6, 2)


def test_an_inverted_range_on_edit_is_shown_and_writes_nothing(browser, cold_room, unchanged):
    with unchanged(*TABLES):
        r = edit_location(browser, cold_room, temp_min_c="10", reason="x")
    assert r.status_code == 200 and "is above the highest" in text(r)


def test_deactivating_a_location_through_the_form(browser, quarantine):
    r = edit_location(browser, quarantine, is_active=None, reason="zone merged")
    assert r.status_code == 302
    quarantine.refresh_from_db()
    assert quarantine.is_active is False


def test_unknown_records_are_404(browser):
    for name in ("warehouse_detail", "warehouse_edit", "location_create"):
        assert browser.get(reverse(f"inventory:{name}", args=[999999])).status_code == 404
    assert browser.get(reverse("inventory:location_edit", args=[999999])).status_code == 404


def test_production_may_view_but_not_add_or_change(viewer, warehouse, cold_room, unchanged):
    assert viewer.get(reverse("inventory:warehouse_list")).status_code == 200
    detail = viewer.get(reverse("inventory:warehouse_detail", args=[warehouse.pk]))
    assert detail.status_code == 200
    assert reverse("inventory:warehouse_edit", args=[warehouse.pk]) not in text(detail)
    assert reverse("inventory:location_create", args=[warehouse.pk]) not in text(detail)
    with unchanged(*TABLES):
        for url, data in (
            (reverse("inventory:warehouse_create"), {"code": "WH9", "name_zh": "仓"}),
            (
                reverse("inventory:warehouse_edit", args=[warehouse.pk]),
                {"code": "SZ01", "name_zh": "x", "reason": "x", "version": "1"},
            ),
            (reverse("inventory:location_create", args=[warehouse.pk]), location_data()),
            (
                reverse("inventory:location_edit", args=[cold_room.pk]),
                location_data(reason="x", version="1"),
            ),
        ):
            assert viewer.get(url).status_code == 403, url
            assert viewer.post(url, data).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, warehouse):
    r = client.get(reverse("inventory:warehouse_list"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_kind_labels_are_bilingual_in_the_chinese_ui_too(make_user, warehouse, cold_room):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(make_user("zh", "warehouse"))
    detail = text(client.get(reverse("inventory:warehouse_detail", args=[warehouse.pk])))
    form = text(client.get(reverse("inventory:location_create", args=[warehouse.pk])))
    assert "冷库 · Cold storage" in detail
    assert "待验区 · Quarantine" in form and "供应商 · Supplier (in transit)" in form
