"""Partner services: the only writers (invariant 1), audited with reasons (AT-01..AT-04), events
in the same transaction (invariant 3), coded refusals that write nothing (invariant 7).

CN-01 first-time supplier records, CN-03 customer qualification, CN-04 qualification validity.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mederp.core.errors import (
    NotFound,
    PermissionDenied,
    ReasonRequired,
    StaleRecord,
    ValidationFailed,
)
from mederp.core.models import AuditEntry, OutboxEvent
from mederp.partners import selectors, services
from mederp.partners.models import Partner, QualificationDocument

pytestmark = pytest.mark.django_db

SUZHOU_USCC = "91320505MA1N7Q4K5H"
OTHER_USCC = "91310115MA1K3YJ8XB"


def refuse(unchanged, expected, fn, /, *args, **kwargs):
    """Run a service call that must be refused with code ``expected``; every table unchanged."""
    with unchanged(Partner, QualificationDocument), pytest.raises(Exception) as info:
        fn(*args, **kwargs)
    assert getattr(info.value, "code", None) == expected, info.value
    return info.value


def test_creating_a_partner_writes_record_audit_and_event(admin):
    p = services.create_partner(
        admin,
        code=" sup-001 ",
        name=" 苏州示例医疗科技有限公司 ",
        is_supplier=True,
        is_customer=False,
        uscc="91320505ma1n7q4k5h",
        email="qa@example.cn",
    )
    p.refresh_from_db()
    assert (p.code, p.name, p.uscc, p.country, p.status, p.version) == (
        "SUP-001",
        "苏州示例医疗科技有限公司",
        SUZHOU_USCC,
        "CN",
        "conditional",
        1,
    )
    assert p.name_key == "苏州示例医疗科技"
    entry = AuditEntry.objects.get(record_type="partners.partner", record_id=str(p.pk))
    assert entry.action == "create" and "admin" in entry.actor_name
    assert json.loads(entry.changes)["uscc"] == [None, SUZHOU_USCC]
    event = OutboxEvent.objects.get(aggregate_type="partners.partner", aggregate_id=str(p.pk))
    assert event.event_type == "partners.partner.created"
    assert event.payload["code"] == "SUP-001"
    assert "email" not in event.payload and "phone" not in event.payload  # PR-01


def test_a_partner_can_be_supplier_and_customer(system):
    p = services.create_partner(
        system,
        code="BOTH",
        name="双向公司",
        is_supplier=True,
        is_customer=True,
        uscc=SUZHOU_USCC,
        status="approved",
    )
    assert p.is_supplier and p.is_customer and p.status == "approved"


def test_neither_supplier_nor_customer_is_refused(system, unchanged):
    err = refuse(
        unchanged,
        "partners.role_required",
        services.create_partner,
        system,
        code="X",
        name="无角色公司",
        is_supplier=False,
        is_customer=False,
        uscc=SUZHOU_USCC,
    )
    assert err.details["field"] == "is_supplier"


def test_an_invalid_check_character_is_refused(system, unchanged):
    err = refuse(
        unchanged,
        "partners.uscc_invalid",
        services.create_partner,
        system,
        code="X",
        name="某公司",
        is_supplier=True,
        is_customer=False,
        uscc="91320505MA1N7Q4K5J",
    )
    assert err.details == {"value": "91320505MA1N7Q4K5J", "field": "uscc"}


@pytest.mark.parametrize("bad", ["91320505MA1N7Q4K5", "91320505MA1N7Q4K5HX", "9132O505MA1N7Q4K5H"])
def test_wrong_length_or_letters_in_the_code_are_refused(system, unchanged, bad):
    refuse(
        unchanged,
        "partners.uscc_invalid",
        services.create_partner,
        system,
        code="X",
        name="某公司",
        is_supplier=True,
        is_customer=False,
        uscc=bad,
    )


def test_a_chinese_partner_needs_a_code_a_foreign_one_does_not(system, unchanged):
    refuse(
        unchanged,
        "partners.uscc_required",
        services.create_partner,
        system,
        code="X",
        name="某公司",
        is_supplier=True,
        is_customer=False,
    )
    foreign = services.create_partner(
        system,
        code="DE-1",
        name="Beispiel Medizintechnik GmbH",
        is_supplier=True,
        is_customer=False,
        country="de",
    )
    assert foreign.country == "DE" and foreign.uscc == ""


def test_a_foreign_partner_giving_a_code_must_give_a_valid_one(system, unchanged):
    refuse(
        unchanged,
        "partners.uscc_invalid",
        services.create_partner,
        system,
        code="X",
        name="Example Ltd",
        is_supplier=True,
        is_customer=False,
        country="HK",
        uscc="123",
    )


@pytest.mark.parametrize("country", ["", "CHN", "UK", "C1", "XX"])
def test_country_must_be_iso_3166_alpha2(system, unchanged, country):
    refuse(
        unchanged,
        "partners.country_invalid",
        services.create_partner,
        system,
        code="X",
        name="Example",
        is_supplier=True,
        is_customer=False,
        country=country,
    )


def test_a_duplicate_code_is_refused(system, supplier, unchanged):
    err = refuse(
        unchanged,
        "partners.code_taken",
        services.create_partner,
        system,
        code="sup-001",
        name="另一家公司",
        is_supplier=True,
        is_customer=False,
        uscc=OTHER_USCC,
    )
    assert err.http_status == 409 and err.details["field"] == "code"


def test_the_same_uscc_is_refused_naming_the_existing_partner(system, supplier, unchanged):
    err = refuse(
        unchanged,
        "partners.uscc_taken",
        services.create_partner,
        system,
        code="SUP-002",
        name="苏州示例医疗科技",
        is_supplier=False,
        is_customer=True,
        uscc=SUZHOU_USCC.lower(),
    )
    assert err.http_status == 409
    assert err.details["partner_id"] == supplier.pk
    assert err.details["partner_code"] == "SUP-001"
    assert "SUP-001" in err.render_message() and "苏州示例医疗科技有限公司" in err.render_message()


def test_field_rules_come_back_per_field(system, unchanged):
    err = refuse(
        unchanged,
        "validation_failed",
        services.create_partner,
        system,
        code="BAD CODE",
        name="某公司",
        is_supplier=True,
        is_customer=False,
        uscc=SUZHOU_USCC,
        email="not-an-email",
        status="vip",
    )
    assert set(err.details["fields"]) == {"code", "email", "status"}


def test_without_permission_nothing_is_written(make_user, unchanged):
    from mederp.core.actors import Actor

    viewer = Actor.for_user(make_user("viewer", "qc_inspector"))
    refuse(
        unchanged,
        "permission_denied",
        services.create_partner,
        viewer,
        code="X",
        name="某公司",
        is_supplier=True,
        is_customer=False,
        uscc=SUZHOU_USCC,
    )


def test_changing_a_partner_records_who_when_what_and_why(admin, supplier):
    p = services.change_partner(
        admin,
        supplier.pk,
        reason="营业执照变更地址",
        expected_version=1,
        address="苏州市工业园区新路2号",
        status="approved",
    )
    assert p.version == 2
    entry = AuditEntry.objects.get(record_type="partners.partner", action="update")
    changes = json.loads(entry.changes)
    assert changes["address"] == ["苏州市虎丘区示例路1号", "苏州市工业园区新路2号"]
    assert changes["status"] == ["conditional", "approved"]
    assert entry.reason == "营业执照变更地址" and "admin" in entry.actor_name
    assert entry.occurred_at is not None
    event = OutboxEvent.objects.filter(event_type="partners.partner.changed").get()
    assert event.aggregate_seq == 2 and set(event.payload["changed"]) >= {"address", "status"}


def test_renaming_updates_the_normalised_name(system, supplier):
    p = services.change_partner(system, supplier.pk, reason="更名", name="苏州样例医疗股份有限公司")
    assert Partner.objects.get(pk=p.pk).name_key == "苏州样例医疗"


def test_a_change_without_reason_is_refused(system, supplier, unchanged):
    refuse(
        unchanged,
        ReasonRequired.code,
        services.change_partner,
        system,
        supplier.pk,
        reason="  ",
        status="blocked",
    )


def test_a_change_from_a_stale_copy_is_refused(system, supplier, unchanged):
    err = refuse(
        unchanged,
        StaleRecord.code,
        services.change_partner,
        system,
        supplier.pk,
        reason="x",
        expected_version=7,
        status="blocked",
    )
    assert err.http_status == 409


def test_a_change_that_changes_nothing_writes_nothing(system, supplier, unchanged):
    with unchanged(Partner):
        p = services.change_partner(system, supplier.pk, reason="", code="sup-001")
    assert p.version == 1


def test_unknown_fields_and_ids_are_refused(system, supplier, unchanged):
    err = refuse(
        unchanged,
        ValidationFailed.code,
        services.change_partner,
        system,
        supplier.pk,
        reason="x",
        colour="red",
    )
    assert "colour" in err.details["fields"]
    refuse(
        unchanged,
        NotFound.code,
        services.change_partner,
        system,
        999_999,
        reason="x",
        status="blocked",
    )


def test_change_rules_are_the_create_rules(system, supplier, make_partner, unchanged):
    other = make_partner(uscc=OTHER_USCC)
    refuse(
        unchanged,
        "partners.uscc_taken",
        services.change_partner,
        system,
        other.pk,
        reason="x",
        uscc=SUZHOU_USCC,
    )
    refuse(
        unchanged,
        "partners.code_taken",
        services.change_partner,
        system,
        other.pk,
        reason="x",
        code="SUP-001",
    )
    refuse(
        unchanged,
        "partners.role_required",
        services.change_partner,
        system,
        other.pk,
        reason="x",
        is_supplier=False,
    )
    refuse(
        unchanged,
        "partners.uscc_required",
        services.change_partner,
        system,
        other.pk,
        reason="x",
        uscc="",
    )


def test_a_document_is_added_with_normalised_scope_and_audited_under_the_partner(admin, supplier):
    doc = services.add_document(
        admin,
        supplier.pk,
        kind="distribution_licence",
        number=" 苏苏药监械经营许20200001号 ",
        valid_until=dt.date(2027, 12, 31),
        valid_from=dt.date(2022, 1, 1),
        scope="07, 14-01\n07；６８１５",
        authority="苏州市市场监督管理局",
        file_sha256="AB" * 32,
    )
    doc.refresh_from_db()
    assert doc.number == "苏苏药监械经营许20200001号"
    assert doc.scope == ["07", "14-01", "6815"]
    assert doc.file_sha256 == "ab" * 32
    entry = AuditEntry.objects.get(record_type="partners.qualificationdocument")
    assert entry.action == "create" and entry.record_id == str(doc.pk)
    event = OutboxEvent.objects.get(event_type="partners.qualification_changed")
    assert (event.aggregate_type, event.aggregate_id) == ("partners.partner", str(supplier.pk))
    assert event.aggregate_seq == 2  # after partners.partner.created: one ordered stream
    assert event.payload["action"] == "added" and event.payload["valid_until"] == "2027-12-31"


def test_a_business_licence_may_have_no_end_a_licence_may_not(system, supplier, unchanged):
    """长期 business licences and class II filings have no end; licences and ISO 13485
    certificates do (CN-01)."""
    services.add_document(system, supplier.pk, kind="business_licence", number=SUZHOU_USCC)
    services.add_document(
        system, supplier.pk, kind="class2_filing", number="苏苏药监械经营备20200001号", scope=["07"]
    )
    for kind in ("distribution_licence", "manufacturing_licence", "iso13485_certificate"):
        err = refuse(
            unchanged,
            "partners.document_expiry_required",
            services.add_document,
            system,
            supplier.pk,
            kind=kind,
            number="N-1",
        )
        assert err.details["field"] == "valid_until"


def test_valid_until_before_valid_from_is_refused(system, supplier, unchanged):
    err = refuse(
        unchanged,
        "partners.document_dates_invalid",
        services.add_document,
        system,
        supplier.pk,
        kind="distribution_licence",
        number="N-1",
        valid_from=dt.date(2025, 1, 2),
        valid_until=dt.date(2025, 1, 1),
    )
    assert err.details["field"] == "valid_until"


def test_the_same_kind_and_number_is_refused_even_for_another_partner(
    system, licence, make_partner, unchanged
):
    other = make_partner()
    err = refuse(
        unchanged,
        "partners.document_taken",
        services.add_document,
        system,
        other.pk,
        kind="distribution_licence",
        number=licence.number,
        valid_until=dt.date(2030, 1, 1),
    )
    assert err.details["partner_code"] == "SUP-001" and err.http_status == 409
    # The same number as another kind is a different document.
    services.add_document(system, other.pk, kind="other", number=licence.number)


@pytest.mark.parametrize("bad", ["ab" * 31, "ab" * 33, "g" * 64, "0x" + "a" * 62])
def test_a_bad_file_hash_is_refused(system, supplier, unchanged, bad):
    err = refuse(
        unchanged,
        "partners.file_sha256_invalid",
        services.add_document,
        system,
        supplier.pk,
        kind="business_licence",
        number="X",
        file_sha256=bad,
    )
    assert err.details["field"] == "file_sha256"


def test_bad_scope_codes_are_refused(system, supplier, unchanged):
    err = refuse(
        unchanged,
        "partners.scope_invalid",
        services.add_document,
        system,
        supplier.pk,
        kind="class2_filing",
        number="X",
        scope=["07", "注射器"],
    )
    assert "注射器" in err.render_message()


def test_a_document_for_an_unknown_partner_is_refused(system, unchanged):
    refuse(
        unchanged,
        NotFound.code,
        services.add_document,
        system,
        999_999,
        kind="business_licence",
        number="X",
    )


def test_an_unknown_kind_is_refused(system, supplier, unchanged):
    err = refuse(
        unchanged,
        ValidationFailed.code,
        services.add_document,
        system,
        supplier.pk,
        kind="passport",
        number="X",
    )
    assert "kind" in err.details["fields"]


def test_changing_a_document_needs_a_reason_and_shows_in_the_partner_history(admin, licence):
    doc = services.change_document(
        admin,
        licence.pk,
        reason="换证延续",
        expected_version=1,
        valid_until=dt.date(2032, 12, 31),
        scope="07 14",
    )
    assert doc.version == 2 and doc.scope == ["07", "14"]
    event = OutboxEvent.objects.filter(event_type="partners.qualification_changed").last()
    assert event.aggregate_id == str(licence.partner_id)
    assert event.payload["action"] == "changed"
    assert set(event.payload["changed"]) == {"scope", "valid_until", "version"}
    history = selectors.partner_history(licence.partner)
    assert [e.action for e in history] == ["update", "create", "create"]
    latest = history[0]
    assert latest.record_type == "partners.qualificationdocument"
    assert latest.reason == "换证延续" and "admin" in latest.actor_name
    assert dict(latest.change_items)["valid_until"] == ["2027-12-31", "2032-12-31"]


def test_document_change_refusals_write_nothing(system, licence, make_partner, unchanged):
    refuse(
        unchanged,
        ReasonRequired.code,
        services.change_document,
        system,
        licence.pk,
        reason="",
        number="N-2",
    )
    refuse(
        unchanged,
        StaleRecord.code,
        services.change_document,
        system,
        licence.pk,
        reason="x",
        expected_version=3,
        number="N-2",
    )
    refuse(
        unchanged,
        "partners.document_dates_invalid",
        services.change_document,
        system,
        licence.pk,
        reason="x",
        valid_from=dt.date(2028, 1, 1),
    )
    refuse(
        unchanged,
        "partners.document_expiry_required",
        services.change_document,
        system,
        licence.pk,
        reason="x",
        valid_until=None,
    )
    refuse(
        unchanged,
        ValidationFailed.code,
        services.change_document,
        system,
        licence.pk,
        reason="x",
        partner=make_partner(),
    )
    refuse(
        unchanged,
        NotFound.code,
        services.change_document,
        system,
        999_999,
        reason="x",
        number="N-2",
    )
    other = services.add_document(
        system,
        licence.partner_id,
        kind="distribution_licence",
        number="N-9",
        valid_until=dt.date(2030, 1, 1),
    )
    refuse(
        unchanged,
        "partners.document_taken",
        services.change_document,
        system,
        other.pk,
        reason="x",
        number=licence.number,
    )


def test_document_permissions_are_their_own(make_user, supplier, licence, unchanged):
    from mederp.core.actors import Actor

    viewer = Actor.for_user(make_user("viewer", "qc_inspector"))
    err = refuse(
        unchanged,
        PermissionDenied.code,
        services.add_document,
        viewer,
        supplier.pk,
        kind="business_licence",
        number="X",
    )
    assert err.details["permissions"] == ["partners.add_qualificationdocument"]
    refuse(
        unchanged,
        PermissionDenied.code,
        services.change_document,
        viewer,
        licence.pk,
        reason="x",
        number="Y",
    )


def test_near_duplicates_are_found_across_suffixes_width_and_case(make_partner):
    a = make_partner(code="A", name="苏州示例医疗科技有限公司")
    b = make_partner(code="B", name="苏州示例医疗科技 股份有限公司")
    c = make_partner(code="C", name="Suzhou Example Co., Ltd.")
    make_partner(code="D", name="上海样本医疗器械有限公司")
    assert [
        m["code"]
        for m in selectors.near_duplicate_partners("苏州示例医疗科技有限公司", exclude_id=a.pk)
    ] == ["B"]
    found = selectors.near_duplicate_partners("苏州示例医疗科技（集团）公司")
    assert {m["id"] for m in found} == {a.pk, b.pk}
    assert all(m["score"] == 1.0 for m in found)
    english = selectors.near_duplicate_partners("ＳＵＺＨＯＵ example co., ltd.")
    assert [(m["id"], m["code"], m["score"]) for m in english] == [(c.pk, "C", 1.0)]
    assert selectors.near_duplicate_partners("北京完全不同有限公司") == []


def test_near_duplicates_also_compare_english_names(make_partner):
    a = make_partner(code="A", name="苏州示例医疗科技有限公司", name_en="Suzhou Example Co., Ltd.")
    b = make_partner(code="B", name="SUZHOU EXAMPLE LIMITED")
    assert [m["id"] for m in selectors.partner_near_duplicates(b)] == [a.pk]
    assert [m["id"] for m in selectors.partner_near_duplicates(a)] == [b.pk]


def test_search_matches_code_names_uscc_and_normalised_name(make_partner):
    a = make_partner(code="SUP-A", name="苏州示例医疗科技有限公司", is_customer=True)
    b = make_partner(
        code="CUS-B",
        name="苏州市第一人民医院",
        is_supplier=False,
        is_customer=True,
        status="approved",
    )
    assert list(selectors.partners_matching("示例医疗科技 有限公司")) == [a]
    assert list(selectors.partners_matching("cus-")) == [b]
    assert list(selectors.partners_matching(b.uscc[-6:].lower())) == [b]
    assert list(selectors.partners_matching(role="supplier")) == [a]
    assert list(selectors.partners_matching(role="customer")) == [b, a]
    assert list(selectors.partners_matching(status="approved")) == [b]


def _rival_commits_after_validation(monkeypatch, make_rival):
    """Simulate another transaction committing a clashing row between our checks and our
    INSERT: the real validate() runs, then the rival row appears (inside the service's own
    transaction, so the refusal rolls it back too and the tables end as they began)."""
    real_validate = services.validate
    done = []

    def validate_then_rival(instance, **kw):
        real_validate(instance, **kw)
        if not done:
            done.append(make_rival())

    monkeypatch.setattr(services, "validate", validate_then_rival)
    return done


def test_a_concurrent_duplicate_tripping_the_unique_index_gets_the_coded_refusal(
    system, monkeypatch, unchanged
):
    """Invariant 7 under a race: the unique index refuses the insert; the service re-checks
    and names the partner that won instead of answering 500."""
    rival = _rival_commits_after_validation(
        monkeypatch,
        lambda: Partner.objects.create(
            code="RIVAL", name="对手公司", name_key="对手", is_supplier=True, uscc=SUZHOU_USCC
        ),
    )
    err = refuse(
        unchanged,
        "partners.uscc_taken",
        services.create_partner,
        system,
        code="SUP-002",
        name="并发公司",
        is_supplier=True,
        is_customer=False,
        uscc=SUZHOU_USCC,
    )
    assert err.details["partner_code"] == "RIVAL" and len(rival) == 1


def test_a_concurrent_duplicate_document_gets_the_coded_refusal(
    system, supplier, monkeypatch, unchanged
):
    rival = _rival_commits_after_validation(
        monkeypatch,
        lambda: QualificationDocument.objects.create(partner=supplier, kind="other", number="N-1"),
    )
    err = refuse(
        unchanged,
        "partners.document_taken",
        services.add_document,
        system,
        supplier.pk,
        kind="other",
        number="N-1",
    )
    assert err.details["partner_code"] == "SUP-001" and len(rival) == 1
