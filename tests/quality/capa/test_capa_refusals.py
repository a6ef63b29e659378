"""Every refusal of the CAPA services has a stable code and writes nothing (QE-07; invariant 7;
issue 6 bad input: closing a CAPA without an effectiveness check)."""

from __future__ import annotations

import datetime as dt

import pytest

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import Signature
from mederp.quality.capa import services
from mederp.quality.capa.models import Capa
from tests.quality.capa.conftest import TABLES, TODAY, credentials
from tests.signing_support import later


def refused(code: str, fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def test_closing_without_an_effectiveness_check_is_refused(desk, unchanged):
    """QE-07, ISO 13485 §8.5.2 f): no closure before the actions are proven effective."""
    capa = desk.verifying()
    with unchanged(*TABLES, Signature):
        refused(
            "capa.effectiveness_check_missing",
            services.close_capa,
            desk.actor,
            capa.pk,
            credentials=credentials(desk.qa),
        )
    assert Capa.objects.get(pk=capa.pk).state == "verifying"


def test_closing_an_investigating_capa_names_the_missing_check(desk, unchanged):
    capa = desk.investigated()
    with unchanged(*TABLES, Signature):
        refused(
            "capa.effectiveness_check_missing",
            services.close_capa,
            desk.actor,
            capa.pk,
            credentials=credentials(desk.qa),
        )


def test_closing_after_a_not_effective_check_is_refused(desk, unchanged):
    capa = desk.verifying()
    services.check_effectiveness(
        desk.actor, capa.pk, result="not_effective", evidence="2 of 10 lots failed again"
    )
    assert Capa.objects.get(pk=capa.pk).state == "implementing"
    with unchanged(*TABLES, Signature):
        refused(
            "capa.effectiveness_check_missing",
            services.close_capa,
            desk.actor,
            capa.pk,
            credentials=credentials(desk.qa),
        )


def test_a_not_effective_check_needs_a_new_action_before_verifying_again(desk, unchanged):
    capa = desk.verifying()
    services.check_effectiveness(desk.actor, capa.pk, result="not_effective", evidence="failed")
    with unchanged(*TABLES):
        refused("capa.new_action_needed", services.start_verification, desk.actor, capa.pk)
    later()  # the new action comes after the check
    action = desk.action(capa, description="Change the die supplier")
    with unchanged(*TABLES):
        refused("capa.actions_open", services.start_verification, desk.actor, capa.pk)
    services.complete_action(desk.actor, capa.pk, action.pk, evidence="PO 77 for new die")
    assert services.start_verification(desk.actor, capa.pk).state == "verifying"


def test_a_wrong_password_does_not_close(desk, unchanged):
    capa = desk.effective()
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as caught:
        services.close_capa(
            desk.actor,
            capa.pk,
            credentials=credentials(desk.qa).__class__(password="wrong", totp=None),
        )
    assert caught.value.code.startswith("identity.") or caught.value.code.startswith("signatures")
    assert Capa.objects.get(pk=capa.pk).state == "verifying"


def test_someone_without_the_close_permission_cannot_close(desk, make_user, unchanged):
    capa = desk.effective()
    from tests.quality.capa.conftest import person

    clerk = person(make_user, "viewer1", "auditor")
    with unchanged(*TABLES, Signature), pytest.raises(DomainError) as caught:
        services.close_capa(Actor.for_user(clerk), capa.pk, credentials=credentials(clerk))
    assert caught.value.http_status == 403


def test_an_action_cannot_be_completed_twice(desk, unchanged):
    capa = desk.investigated()
    action = desk.action(capa)
    services.complete_action(desk.actor, capa.pk, action.pk, evidence="done")
    with unchanged(*TABLES):
        refused(
            "capa.action_already_done",
            services.complete_action,
            desk.actor,
            capa.pk,
            action.pk,
            evidence="again",
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"owner": None}, "capa.field_required"),
        ({"due_date": None}, "capa.field_required"),
        ({"description": "  "}, "capa.field_required"),
        ({"kind": "wish"}, "capa.field_required"),
        ({"due_date": TODAY - dt.timedelta(days=1)}, "capa.due_date_in_past"),
    ],
)
def test_an_action_needs_owner_due_date_and_description(desk, unchanged, change, code):
    """ISO 13485 §8.5.2 d): actions with owners and due dates."""
    capa = desk.investigated()
    with unchanged(*TABLES):
        refused(code, desk.action, capa, **change)


def test_actions_wait_for_the_root_cause(desk, unchanged):
    capa = desk.open()
    with unchanged(*TABLES):
        refused("capa.wrong_state", desk.action, capa)


def test_verification_needs_every_action_done(desk, unchanged):
    capa = desk.investigated()
    desk.action(capa)
    with unchanged(*TABLES):
        refused("capa.actions_open", services.start_verification, desk.actor, capa.pk)


def test_effectiveness_needs_result_evidence_and_verifying_state(desk, unchanged):
    capa = desk.investigated()
    with unchanged(*TABLES):
        refused(
            "capa.wrong_state",
            services.check_effectiveness,
            desk.actor,
            capa.pk,
            result="effective",
            evidence="x",
        )
    capa = desk.verifying()
    with unchanged(*TABLES):
        refused(
            "capa.field_required",
            services.check_effectiveness,
            desk.actor,
            capa.pk,
            result="maybe",
            evidence="x",
        )
        refused(
            "capa.field_required",
            services.check_effectiveness,
            desk.actor,
            capa.pk,
            result="effective",
            evidence=" ",
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, "capa.field_required"),
        ({"problem": " "}, "capa.field_required"),
        ({"links": [("supplier", 1)]}, "capa.unknown_link_kind"),
        ({"links": [("ncr", 999999)]}, "capa.link_target_not_found"),
        ({"links": [("recall", 999999)]}, "capa.link_target_not_found"),
        ({"links": [("audit", "")]}, "capa.field_required"),
        ({"links": [("audit", "IA-7"), ("audit", "IA-7")]}, "capa.link_duplicate"),
        ({"due_date": TODAY - dt.timedelta(days=3)}, "capa.due_date_in_past"),
    ],
)
def test_opening_refuses_bad_input(desk, unchanged, change, code):
    with unchanged(*TABLES):
        refused(code, desk.open, **change)


def test_a_cancelled_capa_takes_no_more_work(desk, unchanged):
    capa = desk.investigated()
    with unchanged(*TABLES):
        refused("capa.field_required", services.cancel_capa, desk.actor, capa.pk, reason=" ")
    services.cancel_capa(desk.actor, capa.pk, reason="Duplicate of CA-2026-00002")
    assert Capa.objects.get(pk=capa.pk).state == "cancelled"
    with unchanged(*TABLES):
        refused("capa.wrong_state", desk.action, capa)
        refused(
            "workflow.wrong_state",
            services.close_capa,
            desk.actor,
            capa.pk,
            credentials=credentials(desk.qa),
        )
