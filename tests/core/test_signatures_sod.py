"""Segregation of duties and signing order, declared on a signing policy (ES-12; 21 CFR
11.10(f), (g); ISO 13485 §4.2.4): the author cannot approve, reviewer and approver differ, an
excluded person (the inspector) cannot release, review comes before approval.

A unit of measure stands in for a record type with a review-then-approve policy.
"""

from __future__ import annotations

import pytest
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import services as catalog
from mederp.core import signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import Signature
from mederp.core.signing_rules import (
    AuthorCannotSign,
    DistinctSigners,
    RequiresPrior,
    SignerNotIn,
)
from mederp.identity.models import SecurityEvent

pytestmark = pytest.mark.django_db

UOM = "catalog.unitofmeasure"
# "The inspector" of a unit, for the generic rule: whoever the test names.
INSPECTORS: dict[int, set[int]] = {}


def uom_content(uom):
    return {"code": uom.code, "name_zh": uom.name_zh, "name_en": uom.name_en}


@pytest.fixture(autouse=True)
def policy():
    previous = signatures.policy_for(UOM)
    perm = "catalog.change_unitofmeasure"
    signatures.register(
        signatures.SigningPolicy(
            record_type=UOM,
            meanings={"reviewed": perm, "approved": perm, "inspected": perm, "released": perm},
            content=uom_content,
            rules=(
                AuthorCannotSign(meanings={"approved"}),
                DistinctSigners("reviewed", "approved"),
                RequiresPrior("approved", prior="reviewed"),
                DistinctSigners("inspected", "released"),
                SignerNotIn(
                    {"released"}, lambda uom: INSPECTORS.get(uom.pk, set()), role="The inspector"
                ),
            ),
        )
    )
    yield
    INSPECTORS.clear()
    if previous is None:
        signatures._POLICIES.pop(UOM, None)
    else:
        signatures.register(previous)


@pytest.fixture(autouse=True)
def clock_frozen():
    with frozen_clock():
        yield


@pytest.fixture
def person(make_user):
    def make(username):
        user = make_user(username, "qa_manager", printed_name=f"{username} 签名人")
        user.secret = enrol_totp(user)
        return user

    return make


@pytest.fixture
def author(person):
    return person("author")


@pytest.fixture
def uom(author):
    return catalog.create_uom(Actor.for_user(author), code="EA", name_zh="个", name_en="each")


def sign(user, record, meaning, reason=""):
    later()
    return signatures.sign(record, meaning, user, PASSWORD, code(user.secret), reason=reason)


def refused(user, record, meaning) -> str:
    before = Signature.objects.count()
    logged = SecurityEvent.objects.filter(kind="signature_refused").count()
    with pytest.raises(DomainError) as exc:
        sign(user, record, meaning)
    assert Signature.objects.count() == before
    assert SecurityEvent.objects.filter(kind="signature_refused").count() == logged + 1
    return exc.value.code


def test_the_author_cannot_approve(uom, author, person):
    sign(person("reviewer"), uom, "reviewed")
    assert refused(author, uom, "approved") == "signatures.sod_author_cannot_approve"


def test_the_author_may_review(uom, author):
    assert sign(author, uom, "reviewed").meaning == "reviewed"


def test_the_last_editor_cannot_approve(uom, person):
    editor = person("editor")
    catalog.change_uom(Actor.for_user(editor), uom.pk, name_en="piece", reason="wording")
    sign(person("reviewer"), uom, "reviewed")
    assert refused(editor, uom, "approved") == "signatures.sod_author_cannot_approve"


def test_reviewer_and_approver_must_differ(uom, person):
    reviewer = person("reviewer")
    sign(reviewer, uom, "reviewed")
    assert refused(reviewer, uom, "approved") == "signatures.sod_distinct_signers"
    assert sign(person("approver"), uom, "approved").meaning == "approved"


def test_approval_needs_a_review_first(uom, person):
    """ES-12: the order of meanings."""
    assert refused(person("approver"), uom, "approved") == "signatures.order_violated"


def test_a_review_of_older_content_does_not_count(uom, person, author):
    sign(person("reviewer"), uom, "reviewed")
    catalog.change_uom(Actor.for_user(author), uom.pk, name_en="piece", reason="wording")
    uom.refresh_from_db()
    assert refused(person("approver"), uom, "approved") == "signatures.order_violated"


def test_a_reviewer_of_older_content_may_approve_the_new_one(uom, person, author):
    first = person("first")
    sign(first, uom, "reviewed")
    catalog.change_uom(Actor.for_user(author), uom.pk, name_en="piece", reason="wording")
    uom.refresh_from_db()
    sign(person("second"), uom, "reviewed")
    assert sign(first, uom, "approved").meaning == "approved"


def test_release_needs_someone_other_than_the_inspector(uom, person):
    """The generic rule: "release needs a QA signer different from the inspector"."""
    inspector, qa = person("inspector"), person("qa")
    sign(inspector, uom, "inspected")
    assert refused(inspector, uom, "released") == "signatures.sod_distinct_signers"
    INSPECTORS[uom.pk] = {qa.pk}
    assert refused(qa, uom, "released") == "signatures.sod_excluded_signer"
    assert sign(person("other"), uom, "released").meaning == "released"


def test_rules_describe_themselves_for_the_auditor():
    texts = signatures.policy_for(UOM).rule_descriptions()
    assert len(texts) == 5 and all(isinstance(t, str) and t for t in texts)
