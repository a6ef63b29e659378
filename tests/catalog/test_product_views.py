"""Product and certificate pages: thin over the same services (invariants 1, 7, 9; AT-02, AT-04,
UDI-03, CN-04). Refusals appear next to the field that caused them and write nothing."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.catalog.conftest import TODAY, bad_check_digit, gtin

from mederp.catalog import services
from mederp.catalog.models import Product, Registration
from mederp.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(make_user) -> Client:
    """A signed-in QA manager: may view, add and change catalog records."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("qa", "qa_manager", printed_name="质量 QA"))
    return client


@pytest.fixture
def viewer(make_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("qc", "qc_inspector"))
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(seq=1, **overrides):
    data = {
        "code": f"P-{seq:04d}",
        "name_zh": "一次性使用无菌注射器",
        "name_en": "Sterile syringe",
        "specification": "5 ml",
        "gtin": gtin(seq),
        "uom": "EA",
        "tracking": "lot",
        "device_class": "II",
        "category_code": "14-02",
        "manufacturer": "示例",
        "shelf_life_days": "1095",
        "storage_min_c": "",
        "storage_max_c": "",
    }
    data.update(overrides)
    return data


def edit_data(**overrides):
    return {**form_data(), "status": "active", "version": "1", **overrides}


def field_errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


# --- list and detail -------------------------------------------------------------------------


def test_list_shows_products_with_registration_badges(
    viewer, make_product, make_registration, today
):
    thermometer = make_product(1, code="THERMO", name_zh="医用电子体温计", tracking="serial")
    kit = make_product(2, code="AG-KIT", name_zh="新型冠状病毒抗原检测试剂盒")
    make_product(3, code="SYR", name_zh="注射器")
    make_registration(thermometer, number="T-1", valid_until=TODAY - dt.timedelta(days=20))
    make_registration(kit, number="K-1", valid_until=TODAY + dt.timedelta(days=20))
    page = text(viewer.get(reverse("catalog:product_list")))
    assert "医用电子体温计" in page and "新型冠状病毒抗原检测试剂盒" in page
    assert 'data-status="expired"' in page and 'data-status="expiring"' in page
    assert 'data-status="missing"' in page
    assert reverse("catalog:product_create") not in page  # read-only role sees no button


def test_list_search_and_filters(viewer, make_product):
    make_product(1, code="SYR", name_zh="注射器", name_en="Syringe")
    make_product(
        2, code="STENT", name_zh="支架", name_en="Stent", tracking="serial", device_class="III"
    )
    page = text(viewer.get(reverse("catalog:product_list"), {"q": "stent"}))
    assert "STENT" in page and ">SYR<" not in page
    page = text(viewer.get(reverse("catalog:product_list"), {"tracking": "lot"}))
    assert ">SYR<" in page and ">STENT<" not in page


def test_detail_shows_facts_certificates_with_status_and_history(
    qa, product, make_registration, system, today
):
    reg = make_registration(
        product, number="苏械注准20242140001", valid_until=TODAY + dt.timedelta(days=20)
    )
    services.change_registration(
        system, reg.pk, reason="持有人更名 holder renamed", holder="新持有人"
    )
    page = text(qa.get(reverse("catalog:product_detail", args=[product.pk])))
    assert gtin(1) in page and "14-02" in page and "5 ml" in page
    assert "苏械注准20242140001" in page and 'data-status="expiring"' in page
    assert "20 days left" in page
    assert "持有人更名 holder renamed" in page  # the certificate's change in the product history
    assert "CN 苏械注准20242140001" in page  # named in the Record column
    assert reverse("catalog:registration_edit", args=[product.pk, reg.pk]) in page


def test_history_shows_who_when_what_and_why(qa, product):
    qa.post(
        reverse("catalog:product_edit", args=[product.pk]),
        edit_data(name_en="Syringe 5 ml", reason="标签更新 label update"),
    )
    page = text(qa.get(reverse("catalog:product_detail", args=[product.pk])))
    entry = AuditEntry.objects.get(record_type="catalog.product", action="update")
    assert "质量 QA (qa)" in page
    assert "标签更新 label update" in page
    assert "Syringe 5 ml" in page and "name_en" in page
    assert timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M:%S") in page


def test_unknown_product_page_is_404(qa, ea):
    assert qa.get(reverse("catalog:product_detail", args=[999999])).status_code == 404


# --- create ----------------------------------------------------------------------------------


def test_create_redirects_to_the_new_product(qa, ea):
    r = qa.post(reverse("catalog:product_create"), form_data())
    product = Product.objects.get()
    assert r.status_code == 302 and r.url == reverse("catalog:product_detail", args=[product.pk])
    assert AuditEntry.objects.filter(record_type="catalog.product").count() == 1


def test_invalid_gtin_shows_the_error_next_to_the_field_and_writes_nothing(qa, ea, unchanged):
    with unchanged(Product):
        r = qa.post(reverse("catalog:product_create"), form_data(gtin=bad_check_digit(gtin(1))))
    assert r.status_code == 200
    [message] = field_errors(r, "gtin")
    assert "check digit" in message and bad_check_digit(gtin(1)) in message
    assert 'class="error"' in text(r)
    fixed = qa.post(reverse("catalog:product_create"), form_data())
    assert fixed.status_code == 302 and Product.objects.count() == 1


def test_thirteen_digit_gtin_is_refused_next_to_the_field(qa, ea, unchanged):
    with unchanged(Product):
        r = qa.post(reverse("catalog:product_create"), form_data(gtin=gtin(1)[1:]))
    assert "exactly 14 digits" in field_errors(r, "gtin")[0]


@pytest.mark.parametrize(
    ("overrides", "field", "needle"),
    [
        ({"shelf_life_days": "-1"}, "shelf_life_days", "at least 1"),
        ({"storage_min_c": "8", "storage_max_c": "2"}, "storage_min_c", "must not be higher"),
        ({"code": "P-0001", "gtin": gtin(2)}, "code", "already exists"),
        ({"code": "P-0002"}, "gtin", "already identifies product P-0001"),
        ({"uom": "KG"}, "uom", ""),
        ({"shelf_life_days": "ten"}, "shelf_life_days", ""),
    ],
)
def test_refusals_appear_next_to_their_field_and_write_nothing(
    qa, product, unchanged, overrides, field, needle
):
    with unchanged(Product):
        r = qa.post(reverse("catalog:product_create"), form_data(**overrides))
    assert r.status_code == 200
    errors = field_errors(r, field)
    assert errors and needle in errors[0]


def test_similar_name_creates_the_product_with_a_warning_linking_the_candidates(qa, product):
    r = qa.post(
        reverse("catalog:product_create"),
        form_data(2, name_zh="一次性使用无菌注射器", name_en="Disposable syringe"),
        follow=True,
    )
    page = text(r)
    assert Product.objects.count() == 2
    assert "similar names" in page and 'class="flash warning"' in page
    assert f'href="{reverse("catalog:product_detail", args=[product.pk])}"' in page


def test_distinct_name_creates_without_warning(qa, product):
    r = qa.post(
        reverse("catalog:product_create"),
        form_data(2, name_zh="冠状动脉药物洗脱支架", name_en="Coronary stent"),
        follow=True,
    )
    assert "similar names" not in text(r)


# --- edit ------------------------------------------------------------------------------------


def test_edit_requires_a_reason_and_writes_nothing_without_one(qa, product, unchanged):
    url = reverse("catalog:product_edit", args=[product.pk])
    with unchanged(Product):
        r = qa.post(url, edit_data(name_en="Other", reason=""))
    assert r.status_code == 200
    assert r.context["reason_form"].errors["reason"]
    product.refresh_from_db()
    assert product.name_en == "Sterile syringe for single use"


def test_edit_with_reason_saves_and_bumps_the_version(qa, product):
    r = qa.post(
        reverse("catalog:product_edit", args=[product.pk]),
        edit_data(status="inactive", reason="停产"),
    )
    assert r.status_code == 302
    product.refresh_from_db()
    assert (product.status, product.version) == ("inactive", 2)


def test_edit_form_carries_the_version_and_current_values(qa, product):
    page = text(qa.get(reverse("catalog:product_edit", args=[product.pk])))
    assert 'name="version" value="1"' in page and gtin(1) in page
    assert 'name="reason"' in page


@pytest.mark.parametrize("version", ["0", "abc", ""])
def test_edit_from_a_stale_or_garbled_version_is_refused(qa, product, unchanged, version):
    with unchanged(Product):
        r = qa.post(
            reverse("catalog:product_edit", args=[product.pk]),
            edit_data(name_en="X", version=version, reason="r"),
        )
    assert r.status_code == 200 and "stale_record" in text(r)


def test_edit_with_invalid_gtin_shows_it_next_to_the_field(qa, product, unchanged):
    with unchanged(Product):
        r = qa.post(
            reverse("catalog:product_edit", args=[product.pk]),
            edit_data(gtin="12345678901234", reason="r"),
        )
    assert field_errors(r, "gtin")


# --- certificates ----------------------------------------------------------------------------


def reg_data(**overrides):
    data = {
        "jurisdiction": "CN",
        "kind": "registration",
        "number": "苏械注准20242140001",
        "holder": "示例",
        "valid_from": "2024-01-01",
        "valid_until": "2029-01-01",
        "scope": "注射",
    }
    data.update(overrides)
    return data


def test_add_certificate_from_the_product_page(qa, product):
    r = qa.post(reverse("catalog:registration_create", args=[product.pk]), reg_data())
    assert r.status_code == 302
    assert Registration.objects.get().product_id == product.pk


def test_certificate_ending_before_it_starts_is_refused_next_to_valid_until(qa, product, unchanged):
    with unchanged(Registration):
        r = qa.post(
            reverse("catalog:registration_create", args=[product.pk]),
            reg_data(valid_from="2026-02-01", valid_until="2026-01-01"),
        )
    assert field_errors(r, "valid_until")


def test_taken_certificate_number_is_refused_next_to_the_number(
    qa, product, make_registration, unchanged
):
    make_registration(product)
    with unchanged(Registration):
        r = qa.post(reverse("catalog:registration_create", args=[product.pk]), reg_data())
    assert "already recorded" in field_errors(r, "number")[0]


def test_edit_certificate_requires_a_reason_then_saves(qa, product, make_registration, unchanged):
    reg = make_registration(product)
    url = reverse("catalog:registration_edit", args=[product.pk, reg.pk])
    with unchanged(Registration):
        r = qa.post(url, {**reg_data(valid_until="2034-01-01"), "version": "1", "reason": ""})
    assert r.context["reason_form"].errors["reason"]
    r = qa.post(url, {**reg_data(valid_until="2034-01-01"), "version": "1", "reason": "延续注册"})
    assert r.status_code == 302
    reg.refresh_from_db()
    assert reg.valid_until == dt.date(2034, 1, 1)
    page = text(qa.get(url))
    assert "延续注册" in page  # the certificate's own history panel


def test_certificate_of_another_product_is_404(qa, make_product, make_registration):
    reg = make_registration(make_product(1))
    other = make_product(2)
    url = reverse("catalog:registration_edit", args=[other.pk, reg.pk])
    assert qa.get(url).status_code == 404


# --- deny by default -------------------------------------------------------------------------


def test_user_without_catalog_permissions_gets_403_on_every_page(
    make_user, product, make_registration, unchanged
):
    reg = make_registration(product)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("nobody"))
    urls = [
        reverse("catalog:product_list"),
        reverse("catalog:product_detail", args=[product.pk]),
        reverse("catalog:product_create"),
        reverse("catalog:product_edit", args=[product.pk]),
        reverse("catalog:registration_create", args=[product.pk]),
        reverse("catalog:registration_edit", args=[product.pk, reg.pk]),
    ]
    with unchanged(Product, Registration):
        assert [client.get(u).status_code for u in urls] == [403] * 6
        assert client.post(reverse("catalog:product_create"), form_data(2)).status_code == 403


def test_read_only_role_cannot_open_the_forms(viewer, product):
    assert viewer.get(reverse("catalog:product_detail", args=[product.pk])).status_code == 200
    assert viewer.get(reverse("catalog:product_create")).status_code == 403
    assert viewer.get(reverse("catalog:product_edit", args=[product.pk])).status_code == 403
    assert viewer.get(reverse("catalog:registration_create", args=[product.pk])).status_code == 403
