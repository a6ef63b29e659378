"""BOM versions approved and retired by electronic signature, and the version production cites
on a given day (ISO 13485 §4.2.4, §7.5.1; 21 CFR 820.181, 11.50, 11.70; CM-01, CM-05; ES-04,
ES-12, ES-13).

Every refusal: its code, no signature, no state change, no audit entry or event.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.catalog.test_boms.conftest import TABLES, TODAY, sign

from mederp.catalog import bom_approval, selectors, services
from mederp.catalog.models import BillOfMaterials
from mederp.core import clock, signatures
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature

pytestmark = pytest.mark.django_db


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value


def state(bom):
    return BillOfMaterials.objects.get(pk=bom.pk).state


def test_qa_approves_a_draft_by_signature_and_it_takes_effect_today(plant):
    bom = plant.draft()
    approved = plant.approve(bom)
    assert (approved.state, approved.effective_from) == ("approved", TODAY)
    assert approved.approved_at == clock.now()
    sig = Signature.objects.get(record_type="catalog.billofmaterials")
    assert (sig.meaning, sig.signer, sig.record_id) == ("approved", plant.qa, str(bom.pk))
    event = OutboxEvent.objects.get(event_type="catalog.bom.approved")
    assert event.payload["signature_id"] == sig.pk
    entries = AuditEntry.objects.filter(
        record_type="catalog.billofmaterials", record_id=str(bom.pk), action="transition"
    ).order_by("id")
    changes = [json.loads(e.changes) for e in entries]
    assert changes[0]["effective_from"] == [None, "2026-06-15"]
    assert changes[1] == {"state": ["draft", "approved"]}
    assert selectors.bom_is_usable(BillOfMaterials.objects.get(pk=bom.pk), TODAY)


def test_the_signature_covers_the_components_and_the_effective_date(plant):
    bom = plant.approve(plant.draft())
    content = bom_approval.bom_content(bom)
    assert content == {
        "product": "P-0001",
        "revision": 1,
        "effective_from": "2026-06-15",
        "components": [
            {"component": "P-0002", "gtin": plant.part.gtin, "quantity_per_unit": "2", "uom": "EA"},
            {
                "component": "P-0003",
                "gtin": plant.serial_part.gtin,
                "quantity_per_unit": "1",
                "uom": "EA",
            },
        ],
    }
    assert signatures.latest_valid(bom, "approved")


def test_the_drafted_effective_date_is_kept_and_the_approver_may_set_another(plant):
    drafted = plant.draft(effective_from=TODAY + dt.timedelta(days=5))
    assert plant.approve(drafted).effective_from == dt.date(2026, 6, 20)
    chosen = plant.draft(product=plant.product(9, approve=True))
    day = TODAY + dt.timedelta(days=30)
    assert plant.approve(chosen, effective_from=day).effective_from == day


def test_the_author_cannot_approve_their_own_version(plant, unchanged):
    """ES-12: a QA manager who drafted it (or changed a line of it) needs someone else."""
    bom = services.create_bom(plant.qa.actor, product_id=plant.device.pk)
    services.add_component(
        plant.qa.actor, bom.pk, component_id=plant.part.pk, quantity_per_unit="2"
    )
    exc = refused(unchanged, plant.approve, bom, by=plant.qa)
    assert exc.code == "signatures.sod_author_cannot_approve"
    other = plant.draft()
    line = other.components.get(line_no=1)
    services.change_component(plant.qa2.actor, line.pk, reason="fix", quantity_per_unit="3")
    exc = refused(unchanged, plant.approve, other, by=plant.qa2)
    assert exc.code == "signatures.sod_author_cannot_approve"
    assert plant.approve(other, by=plant.qa).state == "approved"


def test_removing_a_line_makes_its_remover_an_author_too(plant, unchanged):
    bom = plant.draft()
    services.remove_component(
        plant.qa2.actor, bom.components.get(line_no=2).pk, reason="not fitted"
    )
    exc = refused(unchanged, plant.approve, bom, by=plant.qa2)
    assert exc.code == "signatures.sod_author_cannot_approve"


def test_the_planner_may_not_approve(plant, unchanged):
    bom = plant.draft()
    exc = refused(unchanged, plant.approve, bom, by=plant.planner)
    assert exc.code in {"permission_denied", "signatures.not_permitted"}
    assert exc.http_status == 403


def test_a_version_without_components_cannot_be_approved(plant, unchanged):
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    exc = refused(unchanged, plant.approve, bom)
    assert exc.code == "catalog.bom_empty"


def test_a_version_cannot_take_effect_in_the_past(plant, unchanged):
    bom = plant.draft()
    exc = refused(unchanged, plant.approve, bom, effective_from=TODAY - dt.timedelta(days=1))
    assert exc.code == "catalog.bom_effective_in_past"
    assert exc.details["field"] == "effective_from"


def test_a_drafted_date_that_has_passed_must_be_replaced(plant, unchanged):
    bom = plant.draft(effective_from=TODAY)
    with clock.frozen(clock.now() + dt.timedelta(days=2)):
        exc = refused(unchanged, plant.approve, bom)
        assert exc.code == "catalog.bom_effective_in_past"
        assert plant.approve(bom, effective_from=TODAY + dt.timedelta(days=2)).state == "approved"


def test_the_device_must_be_approved_first(plant, unchanged):
    """首营品种: the finished device's own approval comes before its BOM's."""
    device = plant.product(9)
    bom = plant.draft(product=device)
    exc = refused(unchanged, plant.approve, bom)
    assert exc.code == "catalog.bom_product_not_approved"
    assert exc.http_status == 409


def test_a_line_whose_component_changed_unit_blocks_approval(plant, unchanged):
    bom = plant.draft()
    services.change_product(plant.system, plant.part.pk, reason="sold by box", uom="BOX")
    exc = refused(unchanged, plant.approve, bom)
    assert exc.code == "catalog.bom_uom_mismatch"


def test_a_cycle_closed_after_drafting_blocks_approval(plant, unchanged):
    sub = plant.product(11, approve=True)
    bom = services.create_bom(plant.planner.actor, product_id=plant.device.pk)
    plant.add(bom, sub, 1)
    sub_bom = services.create_bom(plant.planner.actor, product_id=sub.pk)
    plant.add(sub_bom, plant.device, 1)
    plant.approve(sub_bom)
    exc = refused(unchanged, plant.approve, bom)
    assert exc.code == "catalog.bom_cycle"


def test_two_versions_cannot_take_effect_on_the_same_day(plant, unchanged):
    v1 = plant.approve(plant.draft())
    v2 = services.create_bom(plant.planner.actor, product_id=plant.device.pk, copy_from_id=v1.pk)
    exc = refused(unchanged, plant.approve, v2)
    assert exc.code == "catalog.bom_effective_date_taken"
    assert exc.details["other"] == 1


def test_an_approved_version_is_not_approved_again(plant, unchanged):
    bom = plant.approve(plant.draft())
    exc = refused(unchanged, plant.approve, bom, by=plant.qa2)
    assert exc.code == "workflow.wrong_state"


def test_a_wrong_password_is_refused_and_security_logged(plant, unchanged):
    from mederp.identity.models import SecurityEvent

    bom = plant.draft()
    before = SecurityEvent.objects.count()
    exc = refused(
        unchanged, services.approve_bom, plant.qa.actor, bom.pk, password="wrong", totp="000000"
    )
    assert exc.http_status in (401, 403, 422)
    assert SecurityEvent.objects.count() > before
    assert state(bom) == "draft"


def test_retiring_a_version_is_signed_with_a_reason(plant, unchanged):
    bom = plant.approve(plant.draft())
    exc = refused(
        unchanged,
        services.obsolete_bom,
        plant.qa.actor,
        bom.pk,
        reason="",
        **sign(plant.qa),
    )
    assert exc.code in {"signatures.reason_required", "workflow.reason_required"}
    retired = plant.obsolete(bom, reason="replaced by ECN-9")
    assert retired.state == "obsolete" and retired.obsoleted_at == clock.now()
    sig = Signature.objects.get(meaning="obsoleted")
    assert sig.reason == "replaced by ECN-9"
    assert OutboxEvent.objects.filter(event_type="catalog.bom.obsoleted").exists()
    assert not selectors.bom_is_usable(retired, TODAY)
    assert selectors.effective_bom(plant.device.pk, TODAY) is None


def test_a_draft_cannot_be_retired(plant, unchanged):
    bom = plant.draft()
    exc = refused(unchanged, plant.obsolete, bom)
    assert exc.code == "workflow.wrong_state"


def test_the_version_in_effect_is_the_approved_one_with_the_latest_date_not_after_the_day(
    plant,
):
    v1 = plant.approve(plant.draft())
    v2 = services.create_bom(plant.planner.actor, product_id=plant.device.pk, copy_from_id=v1.pk)
    services.change_component(
        plant.planner.actor,
        v2.components.get(line_no=1).pk,
        reason="ECN-3",
        quantity_per_unit="3",
    )
    july = dt.date(2026, 7, 1)
    v2 = plant.approve(v2, effective_from=july)
    draft_v3 = plant.draft(effective_from=dt.date(2026, 6, 20))
    assert selectors.effective_bom(plant.device.pk, TODAY - dt.timedelta(days=1)) is None
    assert selectors.effective_bom(plant.device.pk, TODAY) == v1
    assert selectors.effective_bom(plant.device.pk, dt.date(2026, 6, 30)) == v1
    assert selectors.effective_bom(plant.device.pk, july) == v2
    assert selectors.effective_bom(plant.device.pk, dt.date(2027, 1, 1)) == v2
    assert draft_v3.state == "draft"
    assert not selectors.bom_is_usable(v2, dt.date(2026, 6, 30))
    assert selectors.bom_is_usable(v2, july)
    assert not selectors.bom_is_usable(draft_v3, july)


def test_a_component_whose_gtin_changed_invalidates_the_approval(plant):
    """ES-04, 11.70: the version cites the part by code and GTIN; a changed GTIN is another
    part, so the version is no longer usable until a new version is approved."""
    from tests.catalog.conftest import gtin

    bom = plant.approve(plant.draft())
    services.change_product(plant.system, plant.part.pk, reason="new label", gtin=gtin(77))
    bom = BillOfMaterials.objects.get(pk=bom.pk)
    assert bom.state == "approved"
    assert not selectors.bom_is_usable(bom, TODAY)
    assert selectors.effective_bom(plant.device.pk, TODAY) == bom
