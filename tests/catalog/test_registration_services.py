"""Registration certificates (注册证 / 备案凭证): recorded and changed through services, audited,
emitted on the product's event stream, and summarised as a market status (CN-02, CN-04)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.catalog.conftest import TODAY

from mederp.catalog import selectors, services
from mederp.catalog.models import Product, Registration
from mederp.core.actors import Actor
from mederp.core.errors import DomainError, NotFound, ReasonRequired, StaleRecord
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def test_adding_a_certificate_audits_it_and_emits_on_the_products_stream(product, admin):
    reg = services.add_registration(
        admin,
        product.pk,
        jurisdiction="CN",
        kind="registration",
        number="苏械注准20242140001",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2029, 1, 1),
        holder="示例",
        scope="注射",
    )
    entry = AuditEntry.objects.get(record_type="catalog.registration", record_id=str(reg.pk))
    assert entry.action == "create" and entry.record_label == "CN 苏械注准20242140001"
    event = OutboxEvent.objects.get(event_type="catalog.registration.added")
    assert (event.aggregate_type, event.aggregate_id) == ("catalog.product", str(product.pk))
    assert event.aggregate_seq == 2  # after catalog.product.created
    assert event.payload["number"] == "苏械注准20242140001"
    assert event.payload["product"] == product.pk


def test_full_width_digits_in_the_number_are_normalised(product, make_registration):
    reg = make_registration(product, number=" 国械注准２０１９３１３０１２３ ")
    assert reg.number == "国械注准20193130123"


def test_certificate_ending_before_it_starts_is_refused_and_writes_nothing(
    product, make_registration, unchanged
):
    with unchanged(Registration), pytest.raises(DomainError) as exc:
        make_registration(product, valid_from=dt.date(2026, 1, 2), valid_until=dt.date(2026, 1, 1))
    assert exc.value.code == "catalog.registration_dates_invalid"
    assert exc.value.details["field"] == "valid_until"


def test_a_one_day_certificate_is_allowed(product, make_registration):
    reg = make_registration(
        product, valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 1, 1)
    )
    assert reg.pk


def test_same_number_in_the_same_jurisdiction_is_refused(
    make_product, make_registration, unchanged
):
    make_registration(make_product(1), number="国械注准20193130123")
    other = make_product(2)
    with unchanged(Registration), pytest.raises(DomainError) as exc:
        make_registration(other, number="国械注准20193130123")
    assert (exc.value.code, exc.value.http_status) == ("catalog.registration_number_taken", 409)


def test_same_number_in_another_jurisdiction_is_allowed(product, make_registration):
    make_registration(product, jurisdiction="CN", number="K123456")
    make_registration(product, jurisdiction="US", number="K123456")
    assert Registration.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"jurisdiction": "XX"}, "validation_failed"),
        ({"kind": "licence"}, "validation_failed"),
        ({"number": "  "}, "validation_failed"),
    ],
)
def test_bad_certificate_fields_are_refused(product, make_registration, unchanged, overrides, code):
    with unchanged(Registration), pytest.raises(DomainError) as exc:
        make_registration(product, **overrides)
    assert exc.value.code == code


def test_certificate_for_an_unknown_product_is_not_found(ea, make_registration, unchanged):
    with unchanged(Registration), pytest.raises(NotFound):
        make_registration(Product(pk=999_999))


def test_user_without_permission_cannot_add_a_certificate(product, make_user, unchanged):
    warehouse = Actor.for_user(make_user("wh", "warehouse"))
    with unchanged(Registration), pytest.raises(DomainError) as exc:
        services.add_registration(
            warehouse,
            product.pk,
            jurisdiction="CN",
            kind="filing",
            number="苏械备20240001",
            valid_until=dt.date(2030, 1, 1),
        )
    assert exc.value.code == "permission_denied"


def test_change_records_old_and_new_values_and_reason_on_the_products_stream(
    product, make_registration, admin
):
    reg = make_registration(product)
    services.change_registration(
        admin, reg.pk, reason="renewed", expected_version=1, valid_until=dt.date(2034, 1, 1)
    )
    entry = AuditEntry.objects.get(record_type="catalog.registration", action="update")
    assert json.loads(entry.changes)["valid_until"] == ["2029-01-01", "2034-01-01"]
    assert entry.reason == "renewed"
    event = OutboxEvent.objects.get(event_type="catalog.registration.changed")
    assert event.aggregate_id == str(product.pk) and event.payload["changed"] == [
        "valid_until",
        "version",
    ]


def test_change_without_reason_or_from_a_stale_copy_is_refused(
    product, make_registration, system, unchanged
):
    reg = make_registration(product)
    with unchanged(Registration), pytest.raises(ReasonRequired):
        services.change_registration(system, reg.pk, reason="", holder="Other")
    with unchanged(Registration), pytest.raises(StaleRecord):
        services.change_registration(system, reg.pk, reason="x", expected_version=7, holder="O")


def test_change_applies_the_date_and_uniqueness_rules(
    product, make_registration, system, unchanged
):
    make_registration(product, number="A-1")
    reg = make_registration(product, number="A-2")
    for changes, code in [
        ({"number": "A-1"}, "catalog.registration_number_taken"),
        ({"valid_from": dt.date(2030, 1, 1)}, "catalog.registration_dates_invalid"),
        ({"product": 5}, "validation_failed"),
    ]:
        with unchanged(Registration), pytest.raises(DomainError) as exc:
            services.change_registration(system, reg.pk, reason="x", **changes)
        assert exc.value.code == code


def test_change_of_an_unknown_certificate_is_not_found(ea, system):
    with pytest.raises(NotFound):
        services.change_registration(system, 424242, reason="x", holder="y")


# --- status and history selectors ----------------------------------------------------------


def test_status_per_jurisdiction_on_a_given_day(product, make_registration):
    make_registration(
        product, jurisdiction="CN", number="N-1", valid_until=TODAY + dt.timedelta(days=20)
    )
    make_registration(
        product, jurisdiction="EU", number="N-2", valid_until=TODAY - dt.timedelta(days=1)
    )
    assert selectors.registration_status(product, "CN", TODAY) == "expiring"
    assert selectors.registration_status(product, "EU", TODAY) == "expired"
    assert selectors.registration_status(product, "US", TODAY) == "missing"
    assert selectors.registration_statuses(product, TODAY) == {"CN": "expiring", "EU": "expired"}


def test_device_without_any_certificate_shows_its_home_market_missing(product):
    assert selectors.registration_statuses(product, TODAY) == {"CN": "missing"}


def test_component_without_certificate_has_no_market_status(make_product):
    barrel = make_product(7, device_class="none", name_zh="注射器外套", name_en="Barrel")
    assert selectors.registration_statuses(barrel, TODAY) == {}


def test_status_today_uses_the_frozen_clock_in_the_plant_time_zone(product, make_registration):
    make_registration(product, valid_until=dt.date(2026, 6, 15))
    # 2026-06-15 17:00 UTC is already 06-16 in Suzhou: the certificate has lapsed there.
    from mederp.core import clock

    with clock.frozen(dt.datetime(2026, 6, 15, 17, 0, tzinfo=dt.UTC)):
        assert selectors.registration_status(product, "CN") == "expired"
    with clock.frozen(dt.datetime(2026, 6, 15, 15, 0, tzinfo=dt.UTC)):
        assert selectors.registration_status(product, "CN") == "expiring"


def test_product_history_includes_its_certificates_newest_first(product, make_registration, system):
    reg = make_registration(product)
    services.change_registration(system, reg.pk, reason="typo in holder", holder="示例医疗")
    services.change_product(system, product.pk, reason="rename", name_en="Syringe")
    history = selectors.product_history(product)
    assert [(e.record_type, e.action) for e in history] == [
        ("catalog.product", "update"),
        ("catalog.registration", "update"),
        ("catalog.registration", "create"),
        ("catalog.product", "create"),
    ]
    assert history[1].reason == "typo in holder"
    assert dict(history[1].change_items)["holder"] == ["苏州示例医疗科技有限公司", "示例医疗"]


def test_a_concurrent_duplicate_number_caught_by_the_database_is_the_coded_refusal(
    make_product, make_registration, unchanged, monkeypatch
):
    from mederp.catalog.services import registrations as registration_services

    make_registration(make_product(1), number="N-1")
    other = make_product(2)
    real = registration_services._check_unique
    calls = []

    def blind_first_time(registration):
        calls.append(registration.number)
        if len(calls) > 1:
            real(registration)

    monkeypatch.setattr(registration_services, "_check_unique", blind_first_time)
    with unchanged(Registration), pytest.raises(DomainError) as exc:
        make_registration(other, number="N-1")
    assert exc.value.code == "catalog.registration_number_taken" and len(calls) == 2
