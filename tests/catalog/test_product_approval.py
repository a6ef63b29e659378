"""首营品种: a product is usable only once approved by an electronic signature on its current
content (ES-04, ES-12, ES-13; 21 CFR 11.50, 11.70; invariant 9).

Every refusal: its code, no signature, no state change, no audit entry or event, and a record
in the security log.
"""

from __future__ import annotations

import pytest
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import selectors, services
from mederp.catalog.models import Product
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock_frozen():
    with frozen_clock():
        yield


@pytest.fixture
def person(make_user):
    def make(username, role="qa_manager", printed=None):
        user = make_user(username, role, printed_name=printed or f"{username} 签名人")
        user.secret = enrol_totp(user)
        user.actor = Actor.for_user(user)
        return user

    return make


@pytest.fixture
def author(person):
    return person("author")


@pytest.fixture
def qa(person):
    return person("qa")


@pytest.fixture
def draft(ea, author):
    from tests.catalog.conftest import product_fields

    return services.create_product(author.actor, **product_fields(1))


@pytest.fixture
def in_review(draft, author):
    return services.submit_product(author.actor, draft.pk)


def approve(user, product, **kw):
    kw.setdefault("totp", code(user.secret))
    return services.approve_product(user.actor, product.pk, password=PASSWORD, **kw)


@pytest.fixture
def approved(in_review, qa):
    return approve(qa, in_review)


def state(product):
    return Product.objects.get(pk=product.pk).approval_state


def snapshot():
    return (
        Signature.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
        list(Product.objects.values_list("approval_state", "version")),
    )


def refused(fn, *args, **kwargs) -> DomainError:
    before = snapshot()
    refusals = SecurityEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert snapshot() == before, "a refused approval wrote something"
    assert SecurityEvent.objects.count() > refusals, "the refusal was not security-logged"
    return exc.value


def last_refusal():
    return SecurityEvent.objects.order_by("-id").first()


def test_a_new_product_is_a_draft_and_not_usable(draft):
    assert draft.approval_state == "draft"
    assert not selectors.is_approved_for_use(draft)


def test_submitting_sends_a_draft_to_review_with_audit_and_event(draft, author):
    services.submit_product(author.actor, draft.pk)
    assert state(draft) == "in_review"
    entry = AuditEntry.objects.filter(action="transition").get()
    assert entry.changes == '{"approval_state":["draft","in_review"]}'
    assert OutboxEvent.objects.filter(event_type="catalog.product.submitted").exists()


def test_another_qa_manager_approves_by_signature(in_review, qa):
    product = approve(qa, in_review)
    assert product.approval_state == "approved"
    sig = Signature.objects.get()
    assert (sig.meaning, sig.signer, sig.record_id) == ("approved", qa, str(in_review.pk))
    assert selectors.is_approved_for_use(Product.objects.get(pk=in_review.pk))
    event = OutboxEvent.objects.get(event_type="catalog.product.approved")
    assert event.payload["signature_id"] == sig.pk


def test_the_author_cannot_approve_their_own_product(in_review, author):
    """ES-12, invariant 9: segregation of duties."""
    exc = refused(approve, author, in_review)
    assert exc.code == "signatures.sod_author_cannot_approve"
    assert last_refusal().kind == "signature_refused"


def test_whoever_last_changed_the_product_cannot_approve_it(in_review, qa, person):
    services.change_product(qa.actor, in_review.pk, name_en="Syringe 5 ml", reason="wording")
    exc = refused(approve, qa, in_review)
    assert exc.code == "signatures.sod_author_cannot_approve"
    third = person("qa3")
    assert approve(third, in_review).approval_state == "approved"


def test_an_edit_before_the_last_approval_does_not_bar_the_editor_later(approved, qa, person):
    editor = person("editor")
    services.change_product(editor.actor, approved.pk, name_en="Syringe", reason="wording")
    assert state(approved) == "in_review"
    later()
    assert approve(qa, approved).approval_state == "approved"
    services.change_product(qa.actor, approved.pk, specification="10 ml", reason="new size")
    assert approve(editor, approved).approval_state == "approved"


def test_approving_a_draft_is_a_wrong_state(draft, qa):
    exc = refused(approve, qa, draft)
    assert (exc.code, exc.http_status) == ("workflow.wrong_state", 409)
    assert last_refusal().detail["code"] == "workflow.wrong_state"


def test_approving_twice_is_a_wrong_state(approved, qa):
    later()
    exc = refused(approve, qa, approved)
    assert exc.code == "workflow.wrong_state"


def test_someone_without_the_approve_permission_cannot_approve(in_review, person):
    clerk = person("clerk", role="warehouse")
    exc = refused(approve, clerk, in_review)
    assert exc.code == "signatures.not_permitted"


def test_a_wrong_password_is_refused_and_counted(in_review, qa):
    exc = refused(services.approve_product, qa.actor, in_review.pk, password="nope", totp="1")
    assert exc.code == "identity.invalid_credentials"
    assert last_refusal().kind == "signature_failed"


def test_a_wrong_totp_is_refused(in_review, qa):
    exc = refused(approve, qa, in_review, totp="000000")
    assert exc.code == "identity.invalid_totp"


def test_a_replayed_totp_is_refused(in_review, qa, draft, author, make_product):
    other = make_product(2)
    services.submit_product(author.actor, other.pk)
    used = code(qa.secret)
    approve(qa, in_review, totp=used)
    exc = refused(approve, qa, other, totp=used)
    assert exc.code == "identity.totp_replayed"


def test_a_locked_account_cannot_approve(in_review, qa):
    for _ in range(5):
        with pytest.raises(DomainError):
            services.approve_product(qa.actor, in_review.pk, password="nope", totp="1")
    later()
    exc = refused(approve, qa, in_review)
    assert exc.code == "identity.account_locked"


def test_a_rejection_needs_a_reason_and_returns_the_product_to_draft(in_review, qa):
    exc = refused(
        services.reject_product,
        qa.actor,
        in_review.pk,
        password=PASSWORD,
        reason="",
        totp=code(qa.secret),
    )
    assert exc.code in ("signatures.reason_required", "workflow.reason_required")
    later()
    services.reject_product(
        qa.actor, in_review.pk, password=PASSWORD, reason="注册证扫描件缺失", totp=code(qa.secret)
    )
    assert state(in_review) == "draft"
    assert Signature.objects.get().reason == "注册证扫描件缺失"


def test_editing_an_approved_product_sends_it_back_to_review(approved, author):
    """ES-04: the signature stays (append-only) but is invalid; the product needs
    re-approval and is not usable meanwhile."""
    services.change_product(author.actor, approved.pk, storage_max_c="25", reason="label")
    product = Product.objects.get(pk=approved.pk)
    assert product.approval_state == "in_review"
    assert not selectors.is_approved_for_use(product)
    view = selectors.approval_of(product)
    assert view.needs_reapproval and [s.valid for s in view.signatures] == [False]
    reopened = AuditEntry.objects.filter(action="transition").order_by("-id").first()
    assert reopened.changes == '{"approval_state":["approved","in_review"]}'
    assert reopened.reason == "label"
    assert OutboxEvent.objects.filter(event_type="catalog.product.reopened").exists()


def test_re_approval_makes_a_changed_product_usable_again(approved, author, qa):
    services.change_product(author.actor, approved.pk, storage_max_c="25", reason="label")
    later()
    product = approve(qa, approved)
    assert selectors.is_approved_for_use(product)
    assert [s.valid for s in selectors.approval_of(product).signatures] == [False, True]


def test_changing_only_the_usage_flag_keeps_the_approval(approved, author):
    services.change_product(author.actor, approved.pk, status="inactive", reason="paused")
    assert state(approved) == "approved"
    assert selectors.is_approved_for_use(Product.objects.get(pk=approved.pk))


def test_a_new_certificate_after_approval_sends_the_product_back_to_review(
    approved, make_registration
):
    make_registration(approved, number="苏械注准20292140009")
    assert state(approved) == "in_review"


def test_a_product_changed_behind_the_services_back_is_not_usable(approved):
    """is_approved_for_use reads the signature, not only the state."""
    Product.objects.filter(pk=approved.pk).update(gtin="00000000000000")
    product = Product.objects.get(pk=approved.pk)
    assert product.approval_state == "approved"
    assert not selectors.is_approved_for_use(product)


def test_making_an_approved_product_obsolete_is_signed_with_a_reason(approved, qa):
    later()
    services.obsolete_product(
        qa.actor, approved.pk, password=PASSWORD, reason="停产", totp=code(qa.secret)
    )
    assert state(approved) == "obsolete"
    assert Signature.objects.filter(meaning="obsoleted", reason="停产").exists()
    assert not selectors.is_approved_for_use(Product.objects.get(pk=approved.pk))


def test_an_unknown_transition_is_refused(draft, author):
    with pytest.raises(DomainError) as exc:
        services.transition_product(author.actor, draft.pk, "bless")
    assert exc.value.code == "workflow.unknown_transition"


def test_submitting_needs_the_change_permission(draft, person):
    clerk = person("clerk2", role="warehouse")
    with pytest.raises(DomainError) as exc:
        services.submit_product(clerk.actor, draft.pk)
    assert exc.value.code == "permission_denied"
    assert state(draft) == "draft"


def test_only_qa_managers_and_administrators_hold_the_approve_permissions(make_user):
    """AC-02 least privilege: approving master data is QA's (identity.roles)."""
    qa = make_user("qa-role", "qa_manager")
    admin = make_user("admin-role", "administrator")
    assert qa.has_perm("catalog.approve_product") and qa.has_perm("partners.approve_partner")
    assert admin.has_perm("catalog.approve_product")
    for role in ("purchasing", "sales", "warehouse", "qc_inspector", "production", "auditor"):
        user = make_user(f"u-{role}", role)
        assert not user.has_perm("catalog.approve_product"), role
        assert not user.has_perm("partners.approve_partner"), role
