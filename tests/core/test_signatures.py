"""core.signatures: the one signing service (21 CFR 11.50, 11.70, 11.200, 11.300; ES-01..ES-13).

A unit of measure stands in for "a record type that registered a signing policy". Every refusal
is checked for its code, for writing no signature, no audit entry and no event, and for leaving
exactly its record in the security log.
"""

from __future__ import annotations

import hashlib

import pytest
from django.db import DatabaseError, transaction
from kernel_support import on_postgres, sql
from tests.signing_support import PASSWORD, code, enrol_totp, frozen_clock, later

from mederp.catalog import services as catalog
from mederp.core import canonical, clock, signatures
from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.core.models import AuditEntry, OutboxEvent, Signature
from mederp.identity.models import SecurityEvent, User, UserSession

pytestmark = pytest.mark.django_db

UOM = "catalog.unitofmeasure"


def uom_content(uom):
    return {"code": uom.code, "name_zh": uom.name_zh, "name_en": uom.name_en}


@pytest.fixture
def policy():
    previous = signatures.policy_for(UOM)
    policy = signatures.SigningPolicy(
        record_type=UOM,
        meanings={
            "approved": "catalog.change_unitofmeasure",
            "rejected": "catalog.change_unitofmeasure",
        },
        content=uom_content,
    )
    signatures.register(policy)
    yield policy
    if previous is None:
        signatures._POLICIES.pop(UOM, None)
    else:
        signatures.register(previous)


@pytest.fixture
def clock_frozen():
    with frozen_clock():
        yield


@pytest.fixture
def uom(policy, system):
    return catalog.create_uom(system, code="EA", name_zh="个", name_en="each")


@pytest.fixture
def qa(make_user, clock_frozen):
    user = make_user("qa", "qa_manager", printed_name="质量经理 王芳")
    user.totp_secret = enrol_totp(user)
    return user


def kernel_rows():
    return (Signature.objects.count(), AuditEntry.objects.count(), OutboxEvent.objects.count())


def security(kind=None):
    qs = SecurityEvent.objects.order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def refused(fn, *args, **kwargs) -> DomainError:
    before = kernel_rows()
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert kernel_rows() == before, "a refused signature wrote something"
    return exc.value


def test_a_signature_records_name_time_meaning_hash_and_method(uom, qa):
    """ES-01, ES-04: printed name, UTC time, meaning, content hash, signer and method."""
    sig = signatures.sign(uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="")
    digest = hashlib.sha256(canonical.dumps(uom_content(uom)).encode()).hexdigest()
    assert sig.printed_name == "质量经理 王芳"
    assert sig.signer == qa and sig.signer_username == "qa"
    assert sig.signed_at == clock.now()
    assert sig.meaning == "approved"
    assert sig.content_sha256 == digest
    assert sig.method == "password+totp"
    assert (sig.record_type, sig.record_id, sig.record_label) == (UOM, str(uom.pk), str(uom))
    assert sig.request_id


def test_a_signature_is_audited_and_published_with_the_record(uom, qa):
    sig = signatures.sign(uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="")
    entry = AuditEntry.objects.get(action="signed")
    assert (entry.record_type, entry.record_id, entry.actor_id) == (UOM, str(uom.pk), qa.pk)
    assert f'"signature":[null,{sig.pk}]' in entry.changes
    event = OutboxEvent.objects.get(event_type="core.signature.recorded")
    assert event.payload["record_id"] == str(uom.pk)
    assert event.payload["printed_name"] == "质量经理 王芳"


def test_a_changed_record_shows_its_signature_invalid(uom, qa, system):
    """ES-04, 11.70: the signature is bound to the content it signed."""
    signatures.sign(uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="")
    assert [v.valid for v in signatures.signatures_for(uom)] == [True]
    assert signatures.latest_valid(uom, "approved")
    changed = catalog.change_uom(system, uom.pk, name_en="piece", reason="wording")
    assert [v.valid for v in signatures.signatures_for(changed)] == [False]
    assert not signatures.latest_valid(changed, "approved")
    assert signatures.needs_resigning(changed, "approved")


def test_a_signature_is_never_valid_for_another_record(uom, qa, system):
    """ES-04: even identical content does not make one record's signature another's."""
    sig = signatures.sign(uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="")
    twin = catalog.create_uom(system, code="EA2", name_zh="个", name_en="each")
    assert not signatures.signature_status(sig, twin).valid
    assert signatures.signatures_for(twin) == []


def test_wrong_password_is_refused_counted_and_logged(uom, qa):
    """ES-13, AC-06: a failed signing attempt counts toward lockout and is security-logged."""
    exc = refused(signatures.sign, uom, "approved", qa, "wrong", code(qa.totp_secret), reason="")
    assert exc.code == "identity.invalid_credentials"
    assert len(security("signature_failed")) == 1
    assert security("signature_refused") == []  # logged once, as the failed factor
    assert User.objects.get(pk=qa.pk).failed_attempts == 1


def test_wrong_totp_is_refused_and_logged(uom, qa):
    exc = refused(signatures.sign, uom, "approved", qa, PASSWORD, "000000", reason="")
    assert exc.code == "identity.invalid_totp"
    assert security("signature_failed")[0].detail["factor"] == "totp"


def test_a_replayed_totp_code_is_refused(uom, qa):
    """ES-08: a code is good once; the second signature in the same step is refused."""
    used = code(qa.totp_secret)
    signatures.sign(uom, "approved", qa, PASSWORD, used, reason="")
    exc = refused(signatures.sign, uom, "approved", qa, PASSWORD, used, reason="")
    assert exc.code == "identity.totp_replayed"
    assert len(security("mfa_replay_refused")) == 1


def test_a_missing_totp_code_is_refused_and_logged(uom, qa):
    exc = refused(signatures.sign, uom, "approved", qa, PASSWORD, None, reason="")
    assert exc.code == "identity.totp_required"
    assert security("signature_refused")[0].detail["code"] == "identity.totp_required"


def test_a_locked_account_cannot_sign_even_with_the_right_password(uom, qa):
    """ES-13, AC-06: five wrong passwords lock the account; the sixth attempt is refused."""
    for _ in range(5):
        with pytest.raises(DomainError):
            signatures.sign(uom, "approved", qa, "wrong", code(qa.totp_secret), reason="")
    assert security("account_locked")
    later()
    exc = refused(signatures.sign, uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="")
    assert exc.code == "identity.account_locked"
    assert security("signature_refused")[-1].detail["code"] == "identity.account_locked"


def test_signing_without_the_meanings_permission_is_refused_and_logged(uom, make_user, qa):
    """AC-03, ES-12: the roles allowed per meaning."""
    clerk = make_user("clerk", "warehouse", printed_name="仓管员 赵敏")
    exc = refused(signatures.sign, uom, "approved", clerk, PASSWORD, reason="")
    assert exc.code == "signatures.not_permitted"
    event = security("signature_refused")[0]
    assert event.username == "clerk" and event.target == f"{UOM}#{uom.pk} approved"


def test_an_unknown_meaning_is_refused_and_logged(uom, qa):
    exc = refused(
        signatures.sign, uom, "blessed", qa, PASSWORD, code(qa.totp_secret), reason="amen"
    )
    assert exc.code == "signatures.unknown_meaning"
    assert security("signature_refused")[0].detail["code"] == "signatures.unknown_meaning"


def test_a_record_type_without_a_policy_cannot_be_signed(qa, system, clock_frozen):
    ea = catalog.create_uom(system, code="BOX", name_zh="盒", name_en="box")
    exc = refused(signatures.sign, ea, "approved", qa, PASSWORD, code(qa.totp_secret), reason="")
    assert exc.code == "signatures.unknown_record_type"


def test_an_api_client_cannot_sign(uom, system):
    """ES-10, ES-11: service accounts are not people; 403 identity.not_a_person."""
    from mederp.identity import services as identity

    client, _token = identity.create_api_client(system, name="mes", roles=["qa_manager"])
    exc = refused(signatures.sign, uom, "approved", client, "", reason="")
    assert (exc.code, exc.http_status) == ("identity.not_a_person", 403)
    assert security("signature_refused")[0].detail["code"] == "identity.not_a_person"


def test_the_system_cannot_sign(uom, system):
    exc = refused(signatures.sign, uom, "approved", system.user, "", reason="")
    assert exc.code == "identity.not_a_person"


def test_a_signer_without_a_printed_name_is_refused(uom, make_user, clock_frozen):
    """11.50(a)(1): the manifestation needs the printed name."""
    anon = make_user("anon", "qa_manager")
    secret = enrol_totp(anon)
    exc = refused(signatures.sign, uom, "approved", anon, PASSWORD, code(secret), reason="")
    assert exc.code == "signatures.printed_name_missing"


def test_a_signer_whose_identity_was_not_verified_is_refused(uom, make_user, clock_frozen):
    """ES-06, 11.100(b): signing rights start once an administrator recorded the identity check;
    the refusal is security-logged, writes no signature and does not count toward lockout."""
    newcomer = make_user(
        "newcomer", "qa_manager", printed_name="新员工 Newcomer", identity_verified_at=None
    )
    secret = enrol_totp(newcomer)
    before = Signature.objects.count()
    exc = refused(signatures.sign, uom, "approved", newcomer, PASSWORD, code(secret), reason="")
    assert exc.code == "identity.identity_not_verified"
    assert Signature.objects.count() == before
    assert [e.user for e in security("signature_refused")] == [newcomer]
    newcomer.refresh_from_db()
    assert newcomer.failed_attempts == 0


def test_a_rejection_needs_a_reason(uom, qa):
    exc = refused(signatures.sign, uom, "rejected", qa, PASSWORD, code(qa.totp_secret), reason=" ")
    assert exc.code == "signatures.reason_required"
    later()
    sig = signatures.sign(uom, "rejected", qa, PASSWORD, code(qa.totp_secret), reason="名称不规范")
    assert sig.reason == "名称不规范"


def test_a_signer_without_mfa_is_refused_when_signing_requires_it(uom, make_user, clock_frozen):
    """AC-04: everyone allowed to sign needs MFA; enrolment comes first."""
    fresh = make_user("fresh", "qa_manager", printed_name="新人")
    exc = refused(signatures.sign, uom, "approved", fresh, PASSWORD, reason="")
    assert exc.code == "identity.mfa_enrolment_required"


def test_within_a_session_the_second_signature_needs_only_the_password(uom, qa):
    """ES-09: all components at the first signature of a session, the password afterwards."""
    session = UserSession.objects.create(
        session_key="s1", user=qa, created_at=clock.now(), last_seen_at=clock.now()
    )
    first = signatures.sign(
        uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="", session_key="s1"
    )
    later()
    second = signatures.sign(uom, "approved", qa, PASSWORD, None, reason="", session_key="s1")
    assert (first.method, second.method) == ("password+totp", "password")
    session.refresh_from_db()
    assert session.full_signing_at is not None


def test_a_signer_is_good_for_one_signature(uom, qa):
    signer = signatures.authenticate(uom, "approved", qa, PASSWORD, code(qa.totp_secret))
    with transaction.atomic():
        signatures.record(uom, "approved", signer, reason="")
    with pytest.raises(DomainError) as exc, transaction.atomic():
        signatures.record(uom, "approved", signer, reason="")
    assert exc.value.code == "signatures.authentication_stale"
    assert Signature.objects.count() == 1


def test_a_signer_expires(uom, qa):
    signer = signatures.authenticate(uom, "approved", qa, PASSWORD, code(qa.totp_secret))
    later(signatures.SIGNER_TTL_SECONDS + 1)
    with pytest.raises(DomainError) as exc, transaction.atomic():
        signatures.record(uom, "approved", signer, reason="")
    assert exc.value.code == "signatures.authentication_stale"


def test_a_signer_cannot_be_used_on_another_record_or_meaning(uom, qa, system):
    """ES-04: an authentication for one record cannot sign another."""
    other = catalog.create_uom(system, code="KIT", name_zh="人份", name_en="test")
    signer = signatures.authenticate(uom, "approved", qa, PASSWORD, code(qa.totp_secret))
    with pytest.raises(DomainError) as exc, transaction.atomic():
        signatures.record(other, "approved", signer, reason="")
    assert exc.value.code == "signatures.authentication_stale"
    assert Signature.objects.count() == 0


def test_recording_needs_the_services_transaction(uom, qa):
    signer = signatures.authenticate(uom, "approved", qa, PASSWORD, code(qa.totp_secret))
    conn = transaction.get_connection()
    atomic = conn.in_atomic_block
    conn.in_atomic_block = False  # as outside the test's wrapping transaction
    try:
        with pytest.raises(RuntimeError):
            signatures.record(uom, "approved", signer, reason="")
    finally:
        conn.in_atomic_block = atomic


def test_a_refusal_under_the_lock_is_logged_after_the_rollback(uom, qa, system):
    """The two-step form: a refusal in step 2 leaves only its security-log record."""
    signer = signatures.authenticate(uom, "approved", qa, PASSWORD, code(qa.totp_secret))
    with (
        pytest.raises(DomainError),
        signatures.refusals_recorded(uom, "approved", qa),
        transaction.atomic(),
    ):
        catalog.change_uom(system, uom.pk, name_en="piece", reason="typo")
        signatures.record(uom, "rejected", signer, reason="x")
    assert Signature.objects.count() == 0
    assert security("signature_refused")[-1].detail["code"] == "signatures.authentication_stale"


@pytest.fixture
def signed(uom, qa):
    return signatures.sign(uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="")


def refused_by_database(statement: str) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        sql(statement)
    return str(exc.value)


def test_a_signature_cannot_be_moved_to_another_record(signed):
    """ES-04, ES-03: UPDATE of record_id is refused by the database itself."""
    message = refused_by_database(
        f"UPDATE core_signature SET record_id = '999' WHERE id = {signed.pk}"
    )
    assert "append-only" in message
    assert Signature.objects.get(pk=signed.pk).record_id == signed.record_id


def test_a_signature_cannot_be_edited_or_deleted(signed):
    assert "append-only" in refused_by_database("UPDATE core_signature SET printed_name = 'x'")
    assert "append-only" in refused_by_database("DELETE FROM core_signature")
    with pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(pk=signed.pk).update(meaning="reviewed")
    with pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(pk=signed.pk).delete()
    assert Signature.objects.filter(pk=signed.pk, meaning="approved").exists()


@on_postgres
def test_signatures_cannot_be_truncated_on_postgresql(signed):
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # else the pending FK checks refuse TRUNCATE first
    # CASCADE: tables that cite signatures (stock holds, counts) must not be what refuses it.
    assert "append-only" in refused_by_database("TRUNCATE core_signature CASCADE")


def test_actor_name_of_the_signature_audit_is_the_signer(signed):
    entry = AuditEntry.objects.get(action="signed")
    assert entry.actor_name == Actor.for_user(signed.signer).name


def test_after_the_session_ended_every_component_is_needed_again(uom, qa):
    """ES-09, AC-09: an ended (expired, logged-out) session is no longer continuous."""
    session = UserSession.objects.create(
        session_key="s2", user=qa, created_at=clock.now(), last_seen_at=clock.now()
    )
    signatures.sign(
        uom, "approved", qa, PASSWORD, code(qa.totp_secret), reason="", session_key="s2"
    )
    UserSession.objects.filter(pk=session.pk).update(ended_at=clock.now(), end_reason="idle")
    later()
    exc = refused(signatures.sign, uom, "approved", qa, PASSWORD, None, reason="", session_key="s2")
    assert exc.code == "identity.totp_required"
