"""Partner pages: list with filters and badges, detail with documents and history, forms that
call the same services and show refusals next to the field (invariant 1, 7, 9; AT-02, AT-04).
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from mederp.core import clock
from mederp.core.models import AuditEntry
from mederp.partners import services
from mederp.partners.models import Partner, QualificationDocument

pytestmark = pytest.mark.django_db

SUZHOU_USCC = "91320505MA1N7Q4K5H"
OTHER_USCC = "91310115MA1K3YJ8XB"
NOON = dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC)
FORM = {
    "code": "SUP-009",
    "name": "苏州新伙伴医疗有限公司",
    "is_supplier": "on",
    "uscc": OTHER_USCC,
    "country": "CN",
    "status": "conditional",
}


@pytest.fixture
def browser(admin_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def field_errors(text: str, name: str) -> list[str]:
    """The error messages rendered inside the label of form field ``name``."""
    block = re.search(rf'<label for="id_{name}">(.*?)</label>', text, re.S)
    assert block, f"no field {name}"
    return re.findall(r'<small class="error" role="alert">(.*?)</small>', block.group(1), re.S)


def test_list_shows_partners_with_role_status_and_qualification_badges(
    browser, supplier, licence, system
):
    services.create_partner(
        system,
        code="CUS-001",
        name="苏州市第一人民医院",
        is_supplier=False,
        is_customer=True,
        uscc=OTHER_USCC,
        status="approved",
    )
    # One clock for the whole visit: a jump from the frozen noon to today would be a day of
    # idleness, and the idle timeout would sign the browser out (AC-09).
    with clock.frozen(NOON):
        text = page(browser.get(reverse("partners:partner_list")))
        filtered = page(browser.get(reverse("partners:partner_list"), {"role": "customer"}))
        searched = page(browser.get(reverse("partners:partner_list"), {"q": "示例医疗科技 公司"}))
        by_status = page(browser.get(reverse("partners:partner_list"), {"status": "approved"}))
    assert "SUP-001" in text and "CUS-001" in text
    assert 'class="badge ok">qualified' in text  # the supplier's licence runs to 2027
    assert 'class="badge">no documents' in text  # the hospital has none yet
    assert 'class="badge ok">approved' in text and 'class="badge warn">conditional' in text
    assert "CUS-001" in filtered and "SUP-001" not in filtered
    assert "SUP-001" in searched and "CUS-001" not in searched
    assert "CUS-001" in by_status and "SUP-001" not in by_status


def test_list_pages_fifty_at_a_time(browser, make_partner):
    for _ in range(51):
        make_partner()
    first = page(browser.get(reverse("partners:partner_list")))
    assert "P050" in first and "P051" not in first and "page=2" in first
    assert "P051" in page(browser.get(reverse("partners:partner_list"), {"page": 2}))


def test_expired_and_expiring_licences_show_on_list_and_detail(
    browser, supplier, system, make_partner
):
    """DEMO: a supplier whose licence expired, a customer whose licence expires next week."""
    customer = make_partner(code="CUS-007", is_supplier=False, is_customer=True)
    with clock.frozen(NOON):
        services.add_document(
            system,
            supplier.pk,
            kind="distribution_licence",
            number="L-OLD",
            valid_until=dt.date(2026, 10, 31),
        )
        services.add_document(
            system,
            customer.pk,
            kind="distribution_licence",
            number="L-SOON",
            valid_until=dt.date(2026, 12, 2),
        )
        listing = page(browser.get(reverse("partners:partner_list")))
        detail = page(browser.get(reverse("partners:partner_detail", args=[supplier.pk])))
        other = page(browser.get(reverse("partners:partner_detail", args=[customer.pk])))
    assert 'class="badge bad">expired' in listing and 'class="badge warn">expiring' in listing
    assert 'class="badge bad">expired' in detail and "L-OLD" in detail
    assert "2026-10-31" in detail
    assert 'class="badge warn">expiring' in other and "2026-12-02" in other


def test_detail_shows_facts_documents_and_history_of_both(browser, supplier, licence, admin):
    services.change_document(admin, licence.pk, reason="换证", valid_until=dt.date(2031, 1, 1))
    services.change_partner(admin, supplier.pk, reason="状态审核", status="approved")
    text = page(browser.get(reverse("partners:partner_detail", args=[supplier.pk])))
    assert "苏州示例医疗科技有限公司" in text and SUZHOU_USCC in text and "qa@example.cn" in text
    assert "苏苏药监械经营许20200001号" in text and "07, 14-01" in text
    assert "苏州市市场监督管理局" in text
    history = text[text.index('class="history"') :]
    assert "换证" in history and "状态审核" in history  # why
    assert "管理员 Admin (admin)" in history  # who
    assert "2031-01-01" in history and "2027-12-31" in history  # what, old and new
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", history)  # when
    assert "Distribution licence" in history  # the document's entries name the document


def test_detail_warns_about_near_duplicates_with_links(browser, supplier, system):
    other = services.create_partner(
        system,
        code="SUP-002",
        name="苏州示例医疗科技 股份有限公司",
        is_supplier=True,
        is_customer=False,
        uscc=OTHER_USCC,
    )
    text = page(browser.get(reverse("partners:partner_detail", args=[other.pk])))
    assert 'class="candidates"' in text
    assert reverse("partners:partner_detail", args=[supplier.pk]) in text


def test_creating_from_the_form_redirects_and_warns_about_near_duplicates(browser, supplier):
    r = browser.post(
        reverse("partners:partner_create"),
        {**FORM, "name": "苏州示例医疗科技股份有限公司"},
        follow=True,
    )
    text = page(r)
    created = Partner.objects.get(code="SUP-009")
    assert r.redirect_chain[-1][0] == reverse("partners:partner_detail", args=[created.pk])
    assert "Possible duplicates of existing partners: SUP-001 苏州示例医疗科技有限公司" in text
    assert reverse("partners:partner_detail", args=[supplier.pk]) in text


def test_the_form_checks_names_as_they_are_typed(browser, supplier):
    form = page(browser.get(reverse("partners:partner_create")))
    assert f'hx-get="{reverse("partners:partner_name_check")}"' in form
    fragment = page(
        browser.get(
            reverse("partners:partner_name_check"), {"name": "苏州示例医疗科技 股份有限公司"}
        )
    )
    assert "SUP-001" in fragment
    assert reverse("partners:partner_detail", args=[supplier.pk]) in fragment
    assert "SUP-001" not in page(
        browser.get(
            reverse("partners:partner_name_check"),
            {"name": "苏州示例医疗科技", "exclude": supplier.pk},
        )
    )
    assert page(browser.get(reverse("partners:partner_name_check"), {"name": " "})).strip() == ""


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"uscc": "91320505MA1N7Q4K5J"}, "uscc", "GB 32100-2015"),
        ({"uscc": ""}, "uscc", "needs its unified social credit code"),
        ({"is_supplier": ""}, "is_supplier", "supplier, a customer or both"),
        ({"country": "CHN"}, "country", "ISO 3166"),
        ({"code": "SUP-001", "uscc": OTHER_USCC}, "code", "already exists"),
        ({"uscc": SUZHOU_USCC}, "uscc", "already registered to partner SUP-001"),
        ({"email": "nope"}, "email", "valid email"),
    ],
)
def test_create_refusals_appear_next_to_their_field_and_write_nothing(
    browser, supplier, unchanged, change, field, text
):
    data = {k: v for k, v in {**FORM, **change}.items() if v != "" or k == "uscc"}
    with unchanged(Partner, QualificationDocument):
        r = browser.post(reverse("partners:partner_create"), data)
    errors = field_errors(page(r), field)
    assert any(text in e for e in errors), errors


def test_a_refused_form_still_lists_near_duplicates_of_the_typed_name(browser, supplier, unchanged):
    with unchanged(Partner):
        r = browser.post(
            reverse("partners:partner_create"),
            {**FORM, "name": "苏州示例医疗科技股份有限公司", "uscc": "bad"},
        )
    text = page(r)
    assert 'class="candidates"' in text
    assert reverse("partners:partner_detail", args=[supplier.pk]) in text


def test_editing_needs_a_reason_and_keeps_the_version(browser, supplier, unchanged):
    url = reverse("partners:partner_edit", args=[supplier.pk])
    form = page(browser.get(url))
    assert 'name="version" value="1"' in form and 'value="SUP-001"' in form
    data = {
        "code": "SUP-001",
        "name": supplier.name,
        "name_en": supplier.name_en,
        "is_supplier": "on",
        "uscc": SUZHOU_USCC,
        "country": "CN",
        "address": "新地址",
        "status": "approved",
        "version": "1",
    }
    with unchanged(Partner):
        missing = page(browser.post(url, {**data, "reason": ""}))
    assert field_errors(missing, "reason")
    with unchanged(Partner):
        stale = page(browser.post(url, {**data, "reason": "x", "version": "0"}))
        tampered = page(browser.post(url, {**data, "reason": "x", "version": "abc"}))
    assert "changed by someone else" in stale and "changed by someone else" in tampered
    r = browser.post(url, {**data, "reason": "首营审核通过"})
    assert r.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.status, supplier.address, supplier.version) == ("approved", "新地址", 2)
    assert AuditEntry.objects.get(action="update").reason == "首营审核通过"


def test_documents_are_added_from_text_scope_and_edited_with_a_reason(browser, supplier, unchanged):
    url = reverse("partners:document_create", args=[supplier.pk])
    assert "Business scope" in page(browser.get(url))
    data = {
        "kind": "distribution_licence",
        "number": "苏苏药监械经营许20200001号",
        "authority": "苏州市市场监督管理局",
        "scope": "07, 14-01\n07 6815",
        "valid_from": "2022-01-01",
        "valid_until": "2027-12-31",
        "file_sha256": "ab" * 32,
    }
    with unchanged(Partner, QualificationDocument):
        bad = page(browser.post(url, {**data, "valid_from": "2028-01-01"}))
    assert any("before valid from" in e for e in field_errors(bad, "valid_until"))
    with unchanged(Partner, QualificationDocument):
        bad_hash = page(browser.post(url, {**data, "file_sha256": "xyz"}))
        no_end = page(browser.post(url, {**data, "valid_until": ""}))
    assert field_errors(bad_hash, "file_sha256")
    assert any("valid-until date" in e for e in field_errors(no_end, "valid_until"))
    assert browser.post(url, data).status_code == 302
    doc = QualificationDocument.objects.get()
    assert doc.scope == ["07", "14-01", "6815"]
    edit = reverse("partners:document_edit", args=[doc.pk])
    form = page(browser.get(edit))
    assert "07, 14-01, 6815" in form and 'value="2027-12-31"' in form
    with unchanged(QualificationDocument):
        no_reason = page(browser.post(edit, {**data, "scope": "07", "version": "1", "reason": ""}))
    assert field_errors(no_reason, "reason")
    r = browser.post(edit, {**data, "scope": "07", "version": "1", "reason": "核减范围"})
    assert r.status_code == 302
    doc.refresh_from_db()
    assert doc.scope == ["07"] and doc.version == 2


def test_a_user_without_partner_permissions_gets_403_on_every_page(
    api_as, supplier, licence, unchanged
):
    nobody = api_as()
    urls = [
        reverse("partners:partner_list"),
        reverse("partners:partner_create"),
        reverse("partners:partner_name_check"),
        reverse("partners:partner_detail", args=[supplier.pk]),
        reverse("partners:partner_edit", args=[supplier.pk]),
        reverse("partners:document_create", args=[supplier.pk]),
        reverse("partners:document_edit", args=[licence.pk]),
    ]
    with unchanged(Partner, QualificationDocument):
        for url in urls:
            assert nobody.get(url).status_code == 403, url
            assert nobody.post(url, {**FORM, "reason": "x"}).status_code == 403, url


def test_read_only_users_see_pages_without_edit_buttons_and_cannot_post(
    api_as, supplier, licence, unchanged
):
    auditor = api_as("auditor")
    text = page(auditor.get(reverse("partners:partner_detail", args=[supplier.pk])))
    assert reverse("partners:partner_edit", args=[supplier.pk]) not in text
    assert reverse("partners:document_edit", args=[licence.pk]) not in text
    assert reverse("partners:partner_create") not in page(
        auditor.get(reverse("partners:partner_list"))
    )
    with unchanged(Partner):
        assert auditor.post(reverse("partners:partner_create"), FORM).status_code == 403


def test_unknown_ids_are_404(browser):
    for name in ("partner_detail", "partner_edit", "document_create", "document_edit"):
        assert browser.get(reverse(f"partners:{name}", args=[999_999])).status_code == 404
