"""Product services: the only writers of products (invariant 1), audited (AT-01..AT-05),
with coded refusals that write nothing (invariant 7) and a GS1-checked UDI-DI (UDI-03)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from tests.catalog.conftest import bad_check_digit, gtin, product_fields

from mederp.catalog import selectors, services
from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.errors import DomainError, NotFound, ReasonRequired, StaleRecord
from mederp.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def refused(exc_info: pytest.ExceptionInfo[DomainError]) -> str:
    return exc_info.value.code


def test_creating_a_product_writes_the_record_its_audit_entry_and_its_event(ea, admin):
    product = services.create_product(admin, **product_fields())
    assert Product.objects.get(pk=product.pk).gtin == gtin(1)
    entry = AuditEntry.objects.get(record_type="catalog.product", record_id=str(product.pk))
    assert entry.action == "create" and "admin" in entry.actor_name
    assert json.loads(entry.changes)["gtin"] == [None, gtin(1)]
    event = OutboxEvent.objects.get(aggregate_type="catalog.product", aggregate_id=str(product.pk))
    assert event.event_type == "catalog.product.created"
    assert event.payload["uom_code"] == "EA" and event.payload["gtin"] == gtin(1)


def test_code_is_trimmed_and_upper_cased_and_text_is_trimmed(make_product):
    product = make_product(code="  syr-5ml ", name_en="  Syringe ")
    assert (product.code, product.name_en) == ("SYR-5ML", "Syringe")


def test_unit_can_be_given_as_instance_id_or_code(ea, system):
    by_instance = services.create_product(system, **product_fields(1, uom=ea))
    by_id = services.create_product(system, **product_fields(2, uom=ea.pk))
    by_code = services.create_product(system, **product_fields(3, uom="ea"))
    assert {by_instance.uom_id, by_id.uom_id, by_code.uom_id} == {ea.pk}


def test_temperatures_are_stored_as_decimals(make_product):
    product = make_product(storage_min_c="2", storage_max_c=Decimal("8.0"))
    product.refresh_from_db()
    assert (product.storage_min_c, product.storage_max_c) == (Decimal("2.0"), Decimal("8.0"))


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"gtin": bad_check_digit(gtin(9))}, "catalog.gtin_invalid", "gtin"),
        ({"gtin": gtin(9)[1:]}, "catalog.gtin_invalid", "gtin"),
        ({"gtin": gtin(9) + "0"}, "catalog.gtin_invalid", "gtin"),
        ({"gtin": "0690123ABCDEF1"}, "catalog.gtin_invalid", "gtin"),
        ({"gtin": "00000000000000"}, "catalog.gtin_invalid", "gtin"),
        ({"shelf_life_days": -1}, "catalog.shelf_life_negative", "shelf_life_days"),
        ({"shelf_life_days": 0}, "catalog.shelf_life_negative", "shelf_life_days"),
        (
            {"storage_min_c": Decimal("8"), "storage_max_c": Decimal("2")},
            "catalog.temperature_range_invalid",
            "storage_min_c",
        ),
        ({"uom": "KG"}, "catalog.uom_unknown", "uom"),
        ({"tracking": "batch"}, "validation_failed", None),
        ({"device_class": "IV"}, "validation_failed", None),
        ({"name_zh": "  "}, "validation_failed", None),
        ({"storage_min_c": Decimal("-300")}, "validation_failed", None),
        ({"hibc_di": "1234BJC5D6E71"}, "validation_failed", None),  # LIC starts with a letter
        ({"hibc_di": "A123BJC5D6E7X"}, "validation_failed", None),  # unit of measure is a digit
    ],
)
def test_bad_product_is_refused_with_a_coded_error_and_writes_nothing(
    ea, system, unchanged, overrides, code, field
):
    with unchanged(Product), pytest.raises(DomainError) as exc:
        services.create_product(system, **product_fields(9, **overrides))
    assert exc.value.code == code
    if field:
        assert exc.value.details["field"] == field


def test_duplicate_code_is_refused_and_writes_nothing(make_product, unchanged):
    make_product(1)
    with unchanged(Product), pytest.raises(DomainError) as exc:
        make_product(2, code="p-0001")
    assert (exc.value.code, exc.value.http_status) == ("catalog.product_code_taken", 409)


def test_duplicate_gtin_is_refused_naming_the_holder(make_product, unchanged):
    make_product(1)
    with unchanged(Product), pytest.raises(DomainError) as exc:
        make_product(2, gtin=gtin(1))
    assert (exc.value.code, exc.value.http_status) == ("catalog.gtin_taken", 409)
    assert "P-0001" in exc.value.render_message()


def test_inactive_unit_cannot_be_used_for_a_new_product(ea, system, unchanged):
    services.change_uom(system, ea.pk, reason="retired", is_active=False)
    with unchanged(Product), pytest.raises(DomainError) as exc:
        services.create_product(system, **product_fields())
    assert exc.value.code == "catalog.uom_inactive"


def test_user_without_catalog_permission_cannot_create(ea, make_user, unchanged):
    nobody = Actor.for_user(make_user("nobody"))
    with unchanged(Product), pytest.raises(DomainError) as exc:
        services.create_product(nobody, **product_fields())
    assert exc.value.code == "permission_denied"


def test_read_only_role_cannot_change(product, make_user, unchanged):
    inspector = Actor.for_user(make_user("qc", "qc_inspector"))
    with unchanged(Product), pytest.raises(DomainError) as exc:
        services.change_product(inspector, product.pk, reason="x", name_en="Other")
    assert exc.value.code == "permission_denied"


def test_change_records_old_and_new_values_and_the_reason(product, admin):
    changed = services.change_product(
        admin,
        product.pk,
        reason="label revision 3",
        expected_version=1,
        shelf_life_days=730,
        storage_min_c=Decimal("2"),
        storage_max_c=Decimal("30"),
    )
    assert changed.version == 2
    entry = AuditEntry.objects.get(record_type="catalog.product", action="update")
    changes = json.loads(entry.changes)
    assert changes["shelf_life_days"] == [1095, 730]
    assert changes["storage_max_c"] == [None, "30.0"]
    assert entry.reason == "label revision 3" and "admin" in entry.actor_name
    event = OutboxEvent.objects.filter(event_type="catalog.product.changed").get()
    assert event.payload["changed"] == [
        "shelf_life_days",
        "storage_max_c",
        "storage_min_c",
        "version",
    ]


def test_change_without_a_reason_is_refused_and_writes_nothing(product, system, unchanged):
    with unchanged(Product), pytest.raises(ReasonRequired):
        services.change_product(system, product.pk, reason=" ", name_en="Syringe")
    product.refresh_from_db()
    assert (product.name_en, product.version) == ("Sterile syringe for single use", 1)


def test_change_from_a_stale_copy_is_refused(product, system, unchanged):
    services.change_product(system, product.pk, reason="first", name_en="Syringe")
    with unchanged(Product), pytest.raises(StaleRecord):
        services.change_product(
            system, product.pk, reason="second", expected_version=1, name_en="Syringe 5 ml"
        )


def test_change_that_changes_nothing_writes_nothing(product, system, unchanged):
    with unchanged(Product):
        same = services.change_product(
            system,
            product.pk,
            reason="none",
            code="p-0001",
            name_en=" Sterile syringe for single use",
        )
    assert same.version == 1


def test_change_applies_the_same_rules_as_create(make_product, system, unchanged):
    first = make_product(1)
    second = make_product(2)
    cases = [
        ({"gtin": bad_check_digit(gtin(5))}, "catalog.gtin_invalid"),
        ({"gtin": first.gtin}, "catalog.gtin_taken"),
        ({"code": first.code}, "catalog.product_code_taken"),
        ({"shelf_life_days": -5}, "catalog.shelf_life_negative"),
        (
            {"storage_min_c": Decimal("25"), "storage_max_c": Decimal("8")},
            "catalog.temperature_range_invalid",
        ),
        ({"status": "gone"}, "validation_failed"),
        ({"colour": "red"}, "validation_failed"),
    ]
    for changes, code in cases:
        with unchanged(Product), pytest.raises(DomainError) as exc:
            services.change_product(system, second.pk, reason="test", **changes)
        assert exc.value.code == code, changes


def test_change_of_an_unknown_product_is_not_found(ea, system):
    with pytest.raises(NotFound):
        services.change_product(system, 999_999, reason="x", name_en="y")


def test_product_can_be_deactivated_with_a_reason(product, system):
    services.change_product(system, product.pk, reason="discontinued", status="inactive")
    product.refresh_from_db()
    assert product.status == "inactive"


# --- near-duplicate names (首营品种 review) --------------------------------------------------


def test_similar_names_are_found_but_do_not_block_the_create(make_product):
    first = make_product(1, name_zh="一次性使用无菌注射器", name_en="Sterile syringe")
    second = make_product(2, name_zh="一次性使用无菌注射器（带针）", name_en="Syringe with needle")
    near = selectors.near_duplicate_products(second.name_zh, second.name_en, exclude_id=second.pk)
    assert [(m.id, m.code) for m in near] == [(first.pk, first.code)]
    assert near[0].name == first.name_zh and 0.85 <= near[0].score <= 1


def test_english_name_alone_can_flag_a_candidate(make_product):
    first = make_product(1, name_zh="医用外科口罩", name_en="Surgical Mask")
    near = selectors.near_duplicate_products("外科手术口罩", "surgical  mask")
    assert [m.id for m in near] == [first.pk]


def test_unrelated_names_are_not_flagged(make_product):
    make_product(1, name_zh="医用外科口罩", name_en="Surgical mask")
    assert selectors.near_duplicate_products("冠状动脉药物洗脱支架", "Coronary stent") == []


def test_a_product_is_not_its_own_near_duplicate(product):
    assert (
        selectors.near_duplicate_products(product.name_zh, product.name_en, exclude_id=product.pk)
        == []
    )


def test_same_temperature_written_differently_is_no_change(make_product, system, unchanged):
    product = make_product(storage_min_c=Decimal("2"), storage_max_c=Decimal("8"))
    with unchanged(Product):
        same = services.change_product(
            system, product.pk, reason="none", storage_min_c=Decimal("2.0"), storage_max_c="8"
        )
    assert same.version == 1


# 2.5 is a float: no float ever touches a stored number (invariant 8).
@pytest.mark.parametrize("value", ["warm", "NaN", Decimal("Infinity"), True, 2.5])
def test_a_temperature_that_is_not_a_number_is_refused(ea, system, unchanged, value):
    with unchanged(Product), pytest.raises(DomainError) as exc:
        services.create_product(system, **product_fields(storage_min_c=value))
    assert exc.value.code == "validation_failed"
    assert "storage_min_c" in exc.value.details["fields"]


def test_shelf_life_beyond_a_century_is_refused_on_every_database(ea, system, unchanged):
    with unchanged(Product), pytest.raises(DomainError) as exc:
        services.create_product(system, **product_fields(shelf_life_days=10**10))
    assert exc.value.code == "validation_failed"
    assert "shelf_life_days" in exc.value.details["fields"]


def test_a_concurrent_duplicate_caught_by_the_database_is_still_the_coded_refusal(
    make_product, system, unchanged, monkeypatch
):
    """Two requests can both pass the existence check; the unique index decides, and the loser
    gets catalog.product_code_taken (409), not a 500."""
    from mederp.catalog.services import products as product_services

    make_product(1)
    real = product_services._check_unique
    calls = []

    def blind_first_time(product):
        calls.append(product.code)
        if len(calls) > 1:
            real(product)

    monkeypatch.setattr(product_services, "_check_unique", blind_first_time)
    with unchanged(Product), pytest.raises(DomainError) as exc:
        make_product(2, code="P-0001")
    assert exc.value.code == "catalog.product_code_taken" and len(calls) == 2
