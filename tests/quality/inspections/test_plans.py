"""Inspection plans (ISO 13485 §7.4.3, §8.2.6; 21 CFR 820.80(a), 11.50): drafted with their
characteristics and sampling table, approved by QA's signature, one approved revision per
product and stage, never edited once approved; bad plans are refused and write nothing."""

from __future__ import annotations

import pytest

from mederp.core import workflow
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import Signature
from mederp.quality.inspections import services
from mederp.quality.inspections.models import (
    Characteristic,
    InspectionPlan,
    PlanState,
    SamplingRule,
)
from tests.quality.inspections.support import CHARACTERISTICS, SAMPLING, credentials, make_plan

PLAN_TABLES = (InspectionPlan, Characteristic, SamplingRule)


def refused(unchanged, fn, *args, **kwargs) -> DomainError:
    with unchanged(*PLAN_TABLES), pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_a_plan_is_drafted_with_its_characteristics_and_sampling_table(world) -> None:
    plan = make_plan(world.qa, world.lot_product, approve=False)
    assert plan.state == PlanState.DRAFT and plan.revision == 1
    chars = list(plan.characteristics.order_by("sequence"))
    assert [c.name for c in chars] == ["Outer diameter", "Visual inspection", "Packaging note"]
    assert str(chars[0].lower_limit.normalize()) == "4.9" and chars[0].unit == "mm"
    assert chars[1].lower_limit is None
    assert plan.sampling.count() == 3


def test_approval_is_signed_and_stamps_who_approved(world) -> None:
    plan = make_plan(world.qa, world.lot_product)
    assert plan.state == PlanState.APPROVED
    assert plan.approved_at is not None and "qa" in plan.approved_by_name
    sig = Signature.objects.get(record_type="inspections.inspectionplan", record_id=str(plan.pk))
    assert sig.meaning == "approved"


def test_approving_a_new_revision_makes_the_old_one_obsolete(world) -> None:
    first = make_plan(world.qa, world.lot_product)
    second = services.revise_plan(Actor.for_user(world.qa), first.pk)
    assert second.revision == 2 and second.state == PlanState.DRAFT
    assert second.characteristics.count() == 3
    services.approve_plan(Actor.for_user(world.qa), second.pk, credentials=credentials(world.qa))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (PlanState.OBSOLETE, PlanState.APPROVED)
    assert (
        InspectionPlan.objects.filter(product=world.lot_product, state=PlanState.APPROVED).count()
        == 1
    )


def test_an_approved_plan_is_not_edited(world, unchanged) -> None:
    plan = make_plan(world.qa, world.lot_product)
    error = refused(
        unchanged,
        services.save_plan,
        Actor.for_user(world.qa),
        plan.pk,
        characteristics=CHARACTERISTICS[:1],
    )
    assert error.code == "inspections.plan_not_draft"


def test_a_draft_is_edited_as_a_whole(world) -> None:
    plan = make_plan(world.qa, world.lot_product, approve=False)
    services.save_plan(
        Actor.for_user(world.qa),
        plan.pk,
        characteristics=[{"name": "Length", "kind": "numeric", "upper_limit": "30"}],
        sampling=[],
    )
    assert [c.name for c in plan.characteristics.all()] == ["Length"]
    assert plan.sampling.count() == 0


def test_a_second_draft_revision_is_refused(world, unchanged) -> None:
    plan = make_plan(world.qa, world.lot_product)
    services.revise_plan(Actor.for_user(world.qa), plan.pk)
    error = refused(unchanged, services.revise_plan, Actor.for_user(world.qa), plan.pk)
    assert error.code == "inspections.draft_exists"


def test_approval_with_a_wrong_password_writes_no_approval(world) -> None:
    plan = make_plan(world.qa, world.lot_product, approve=False)
    with pytest.raises(DomainError):
        services.approve_plan(
            Actor.for_user(world.qa), plan.pk, credentials=workflow.Credentials(password="bad")
        )
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and plan.approved_at is None


def test_qc_may_not_approve_a_plan(world) -> None:
    plan = make_plan(world.qa, world.lot_product, approve=False)
    with pytest.raises(DomainError) as caught:
        services.approve_plan(
            Actor.for_user(world.inspector), plan.pk, credentials=credentials(world.inspector)
        )
    assert caught.value.http_status == 403
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT


@pytest.mark.parametrize(
    ("characteristics", "sampling", "code"),
    [
        ([], SAMPLING, "inspections.plan_empty"),
        ([{"name": "Length", "kind": "numeric"}], SAMPLING, "inspections.limits_required"),
        (
            [{"name": "Length", "kind": "numeric", "lower_limit": "5", "upper_limit": "4"}],
            SAMPLING,
            "inspections.limits_reversed",
        ),
        (
            [{"name": "A", "kind": "pass_fail"}, {"name": "a", "kind": "text"}],
            SAMPLING,
            "inspections.characteristic_repeated",
        ),
        ([{"name": "A", "kind": "colour"}], SAMPLING, "inspections.characteristic_invalid"),
        (
            [{"name": "Length", "kind": "numeric", "lower_limit": 4.5}],
            SAMPLING,
            "inspections.value_invalid",
        ),
        (
            CHARACTERISTICS,
            [
                {"lot_size_from": "1", "lot_size_to": "50", "sample_size": "5"},
                {"lot_size_from": "40", "lot_size_to": None, "sample_size": "9"},
            ],
            "inspections.sampling_overlap",
        ),
        (
            CHARACTERISTICS,
            [{"lot_size_from": "10", "lot_size_to": "5", "sample_size": "5"}],
            "inspections.sampling_invalid",
        ),
        (
            CHARACTERISTICS,
            [{"lot_size_from": "1", "lot_size_to": "5", "sample_size": "0"}],
            "inspections.sampling_invalid",
        ),
    ],
)
def test_a_bad_plan_is_refused_and_writes_nothing(
    world, unchanged, characteristics, sampling, code
) -> None:
    error = refused(
        unchanged,
        services.create_plan,
        Actor.for_user(world.qa),
        product_id=world.lot_product.pk,
        stage="incoming",
        characteristics=characteristics,
        sampling=sampling,
    )
    assert error.code == code


def test_an_unknown_stage_or_product_is_refused(world, unchanged) -> None:
    qa = Actor.for_user(world.qa)
    error = refused(
        unchanged,
        services.create_plan,
        qa,
        product_id=world.lot_product.pk,
        stage="packing",
        characteristics=CHARACTERISTICS,
    )
    assert error.code == "inspections.unknown_stage"
    error = refused(
        unchanged,
        services.create_plan,
        qa,
        product_id=999999,
        stage="final",
        characteristics=CHARACTERISTICS,
    )
    assert error.code == "inspections.unknown_product"


def test_approving_an_unknown_plan_is_refused(world, unchanged) -> None:
    error = refused(
        unchanged,
        services.approve_plan,
        Actor.for_user(world.qa),
        999999,
        credentials=credentials(world.qa),
    )
    assert error.code == "inspections.unknown_plan"
