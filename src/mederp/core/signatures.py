"""Electronic signatures (21 CFR 11.50, 11.70, 11.100, 11.200, 11.300; ES-01..ES-13).

One service for every module. A record type becomes signable by registering a
:class:`SigningPolicy`: which meanings it may be signed with and the permission each needs, which
fields make up its signed content, and its segregation-of-duties and ordering rules
(:mod:`mederp.core.signing_rules`).

**Re-authentication** is identity's job and core may not import identity, so identity registers
two hooks at start-up (``IdentityConfig.ready``): :func:`set_authenticator` (password, plus TOTP
as the session requires; counts failures toward lockout and security-logs them) and
:func:`set_refusal_recorder` (security-logs every other refusal: not a person, locked, no
permission, segregation of duties, wrong state, unknown meaning; ES-13).

**Two steps.** A refusal must leave nothing behind but its security-log record, and that record
must survive the refused work's rollback. So signing is split:

1. :func:`authenticate` runs *outside* any transaction: it re-authenticates the signer and checks
   the policy against the record as it is now; a refusal is security-logged and raised. It
   returns a :class:`Signer`, good for one signature on that record with that meaning, for
   :data:`SIGNER_TTL_SECONDS`.
2. :func:`record`, *inside* the service's transaction (the record locked), checks everything
   again on the locked record and writes the :class:`~mederp.core.models.Signature`, its audit
   entry (action ``signed``) and the ``core.signature.recorded`` event, with the domain change.

Wrap step 2's transaction in :func:`refusals_recorded` so that a refusal which only shows under
the lock is logged after the rollback::

    signer = signatures.authenticate(product, "approved", user, password, totp,
                                     reason=reason, session_key=session_key)
    with signatures.refusals_recorded(product, "approved", user):
        with transaction.atomic():
            product = lock_product(product.pk)
            signatures.record(product, "approved", signer, reason=reason)
            ...  # the state change, its audit entry and event

:func:`sign` is that sequence in one call, for signatures that change nothing else.
:mod:`mederp.core.workflow` uses the two steps for signed state transitions.

**Reasons.** The meaning is the reason for approving (11.50(a)(3)), so approvals need none;
meanings that refuse, withdraw or undo something (rejected, obsoleted, suspended, mfa_reset,
voided, revoked) need a written reason (:data:`REASON_MEANINGS`).

**Validity** is computed, never stored: a signature is valid while the SHA-256 of its record's
canonical content still equals ``content_sha256`` (11.70, ES-04). Signatures cannot be edited,
deleted or moved (append-only trigger on ``core_signature``), and no API attaches an existing
signature to a record: signing always takes credentials, never a signature id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mederp.core import audit, canonical, clock, context, outbox
from mederp.core.actors import Actor
from mederp.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from mederp.core.models import Signature
from mederp.core.signing_rules import SigningAttempt

SIGNED = "signed"  # the audit action
SIGNATURE_RECORDED = "core.signature.recorded"  # the outbox event
# How long a successful re-authentication may wait for its signature: step 2 follows step 1
# within the same request, so a minute is generous and a stale Signer is useless to anyone.
SIGNER_TTL_SECONDS = 60

REASON_MEANINGS = frozenset(
    {"rejected", "obsoleted", "suspended", "mfa_reset", "voided", "revoked", "withdrawn"}
)

# The manifestation's wording for each meaning (11.50(a)(3)); unknown meanings show as coded.
MEANING_LABELS: dict[str, Promise] = {
    "authored": _("Authored"),
    "reviewed": _("Reviewed"),
    "approved": _("Approved"),
    "released": _("Released"),
    "verified": _("Verified"),
    "inspected": _("Inspected"),
    "rejected": pgettext_lazy("signature meaning", "Rejected"),
    "closed": _("Closed"),
    "obsoleted": _("Made obsolete"),
    "suspended": _("Suspended"),
    "mfa_reset": _("Two-factor authentication reset"),
}


def meaning_label(meaning: str) -> str:
    label = MEANING_LABELS.get(meaning)
    return str(label) if label is not None else meaning


# --- refusals ---------------------------------------------------------------------------------


class UnknownRecordType(ValidationFailed):
    code = "signatures.unknown_record_type"
    message = _("Records of type {record_type} cannot be signed.")


class UnknownMeaning(ValidationFailed):
    code = "signatures.unknown_meaning"
    message = _("{meaning} is not a signature meaning for {record_type}.")


class SigningNotPermitted(PermissionDenied):
    code = "signatures.not_permitted"
    message = _("You are not allowed to sign {record} as {meaning}.")


class PrintedNameMissing(ValidationFailed):
    """11.50(a)(1): the manifestation shows the signer's printed name, so there must be one."""

    code = "signatures.printed_name_missing"
    message = _("Your account has no printed name; an administrator must record it first.")


class SignatureReasonRequired(ValidationFailed):
    code = "signatures.reason_required"
    message = _("Give a reason for signing as {meaning}.")


class AuthenticationStale(Conflict):
    """A :class:`Signer` used twice, too late, or for another record or meaning."""

    code = "signatures.authentication_stale"
    message = _("The signature's authentication is no longer valid. Sign again.")


# --- policies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningPolicy:
    """What may be signed on one record type, by whom, and how its content is hashed."""

    record_type: str
    # meaning ("approved", "reviewed", ...) -> the permission a signer needs for it
    meanings: dict[str, str]
    content: Callable[[models.Model], dict[str, Any]]
    rules: tuple[Any, ...] = field(default=())
    # (record_type, record_id) of every record whose edits make up the content (the record
    # itself, a partner's licences...): whose authors segregation of duties looks at.
    parts: Callable[[models.Model], Iterable[tuple[str, Any]]] | None = None
    reasons: frozenset[str] = REASON_MEANINGS
    description: str | Promise = ""

    def rule_descriptions(self) -> list[str]:
        return [r.describe() if hasattr(r, "describe") else repr(r) for r in self.rules]


_POLICIES: dict[str, SigningPolicy] = {}


def register(policy: SigningPolicy) -> None:
    _POLICIES[policy.record_type] = policy


def policy_for(record_type: str) -> SigningPolicy | None:
    return _POLICIES.get(record_type)


def policies() -> list[SigningPolicy]:
    return [_POLICIES[k] for k in sorted(_POLICIES)]


def signing_permissions() -> set[str]:
    """Every permission that lets its holder sign something (MFA is required for them, AC-04)."""
    return {perm for policy in _POLICIES.values() for perm in policy.meanings.values()}


# --- hooks identity registers -----------------------------------------------------------------

# (user, password, totp, *, session_key, target) -> method ("password", "password+totp")
Authenticator = Callable[..., str]
# (user, code, *, target, detail) -> None
RefusalRecorder = Callable[..., None]


def _no_authenticator(*args: Any, **kwargs: Any) -> str:
    raise RuntimeError("no signer authenticator registered (identity registers it at start-up)")


def _no_recorder(*args: Any, **kwargs: Any) -> None:
    return None


_hooks: dict[str, Any] = {"authenticate": _no_authenticator, "refused": _no_recorder}


def set_authenticator(fn: Authenticator) -> None:
    _hooks["authenticate"] = fn


def set_refusal_recorder(fn: RefusalRecorder) -> None:
    _hooks["refused"] = fn


def _target(record: models.Model, meaning: str) -> str:
    return f"{audit.record_type_of(record)}#{record.pk} {meaning}"


@contextlib.contextmanager
def refusals_recorded(record: models.Model, meaning: str, principal: Any) -> Iterator[None]:
    """Security-log any coded refusal leaving the block, then let it propagate (ES-13).

    Put it *around* the transaction of the signed work: the log row is written after the work
    rolled back. Credential failures the authenticator already logged are skipped by its
    recorder (it knows its own codes).
    """
    try:
        yield
    except DomainError as exc:
        _hooks["refused"](
            principal,
            exc.code,
            target=_target(record, meaning),
            detail={"code": exc.code, "meaning": meaning, "record": str(record)[:200]},
        )
        raise


# --- content and validity ---------------------------------------------------------------------


def _policy(record: models.Model) -> SigningPolicy:
    record_type = audit.record_type_of(record)
    policy = _POLICIES.get(record_type)
    if policy is None:
        raise UnknownRecordType(record_type=record_type)
    return policy


def content_sha256(record: models.Model, policy: SigningPolicy | None = None) -> str:
    """SHA-256 of the canonical JSON of the record's signed content (11.70, ES-04)."""
    policy = policy or _policy(record)
    return hashlib.sha256(canonical.dumps(policy.content(record)).encode()).hexdigest()


@dataclass(frozen=True)
class SignatureView:
    """A signature with its validity against the record's current content (the manifestation:
    printed name, time, meaning; 11.50)."""

    signature: Signature
    valid: bool

    @property
    def printed_name(self) -> str:
        return self.signature.printed_name

    @property
    def signed_at(self) -> dt.datetime:
        return self.signature.signed_at

    @property
    def meaning(self) -> str:
        return self.signature.meaning

    @property
    def meaning_label(self) -> str:
        return meaning_label(self.signature.meaning)

    @property
    def reason(self) -> str:
        return self.signature.reason


def _stored(record: models.Model) -> models.QuerySet[Signature]:
    return Signature.objects.filter(
        record_type=audit.record_type_of(record), record_id=str(record.pk)
    ).order_by("signed_at", "id")


def signature_status(
    sig: Signature, record: models.Model, *, current: str | None = None
) -> SignatureView:
    """Whether ``sig`` is a valid signature of ``record`` as it is now."""
    same_record = sig.record_type == audit.record_type_of(record) and sig.record_id == str(
        record.pk
    )
    digest = current if current is not None else content_sha256(record)
    return SignatureView(sig, same_record and sig.content_sha256 == digest)


def signatures_for(record: models.Model) -> list[SignatureView]:
    """Every signature of the record, oldest first, each marked valid or invalid."""
    policy = policy_for(audit.record_type_of(record))
    sigs = list(_stored(record))
    if not sigs or policy is None:
        return [SignatureView(s, False) for s in sigs]
    digest = content_sha256(record, policy)
    return [signature_status(s, record, current=digest) for s in sigs]


def latest_valid(record: models.Model, meaning: str) -> bool:
    """Whether the record's most recent ``meaning`` signature covers its current content."""
    last = _stored(record).filter(meaning=meaning).order_by("-signed_at", "-id").first()
    return last is not None and signature_status(last, record).valid


def needs_resigning(record: models.Model, meaning: str = "approved") -> bool:
    """Signed with ``meaning`` once, but changed since: "changed after approval"."""
    return _stored(record).filter(meaning=meaning).exists() and not latest_valid(record, meaning)


# --- signing ----------------------------------------------------------------------------------


class Signer:
    """Proof that a person re-authenticated to sign one record with one meaning, just now.

    Only :func:`authenticate` makes one, and :func:`record` accepts each once.
    """

    __slots__ = (
        "__weakref__",
        "authenticated_at",
        "meaning",
        "method",
        "record_id",
        "record_type",
        "user",
    )

    def __init__(
        self, user: Any, method: str, record_type: str, record_id: str, meaning: str
    ) -> None:
        self.user = user
        self.method = method
        self.record_type = record_type
        self.record_id = record_id
        self.meaning = meaning
        self.authenticated_at = clock.now()

    def __repr__(self) -> str:
        return f"<Signer {self.user} {self.meaning} {self.record_type}#{self.record_id}>"


_ISSUED: weakref.WeakSet[Signer] = weakref.WeakSet()


def _check(record: models.Model, meaning: str, principal: Any, reason: str) -> SigningAttempt:
    """Every policy rule for this signature, against the record as given; raises or returns
    what the signature row needs."""
    policy = _policy(record)
    record_type = policy.record_type
    label = str(record)[:300]
    if meaning not in policy.meanings:
        raise UnknownMeaning(meaning=meaning, record_type=record_type)
    if not principal.has_perm(policy.meanings[meaning]):
        raise SigningNotPermitted(
            record=label, meaning=meaning, permissions=[policy.meanings[meaning]]
        )
    if not (principal.get_full_name() or "").strip():
        raise PrintedNameMissing()
    if meaning in policy.reasons and not (reason or "").strip():
        raise SignatureReasonRequired(meaning=meaning, field="reason")
    parts = [(t, str(i)) for t, i in policy.parts(record)] if policy.parts else []
    attempt = SigningAttempt(
        record=record,
        record_type=record_type,
        record_id=str(record.pk),
        record_label=label,
        meaning=meaning,
        signer=principal,
        content_sha256=content_sha256(record, policy),
        earlier=list(_stored(record)),
        parts=parts,
    )
    for rule in policy.rules:
        if rule.applies_to(meaning):
            rule.check(attempt)
    return attempt


def authenticate(
    record: models.Model,
    meaning: str,
    principal: Any,
    password: str,
    totp: str | None = None,
    *,
    reason: str = "",
    session_key: str | None = None,
    also: Callable[[], None] | None = None,
) -> Signer:
    """Step 1, outside any transaction: re-authenticate ``principal`` (11.200(a)(1); ES-08,
    ES-09, ES-11) and check the policy on ``record`` as it is now; ``also`` adds the caller's
    own pre-checks (a workflow's state). Every refusal is security-logged, then raised."""
    with refusals_recorded(record, meaning, principal):
        method = _hooks["authenticate"](
            principal, password, totp, session_key=session_key, target=_target(record, meaning)
        )
        _check(record, meaning, principal, reason)
        if also is not None:
            also()
    signer = Signer(principal, method, audit.record_type_of(record), str(record.pk), meaning)
    _ISSUED.add(signer)
    return signer


def _claim(signer: Signer, record: models.Model, meaning: str) -> None:
    fresh = signer in _ISSUED
    _ISSUED.discard(signer)
    age = (clock.now() - signer.authenticated_at).total_seconds()
    if (
        not fresh
        or age > SIGNER_TTL_SECONDS
        or signer.record_type != audit.record_type_of(record)
        or signer.record_id != str(record.pk)
        or signer.meaning != meaning
    ):
        raise AuthenticationStale()


def record(record: models.Model, meaning: str, signer: Signer, *, reason: str = "") -> Signature:
    """Step 2, inside the service's transaction with ``record`` locked: check again and write
    the signature, its audit entry and its event (ES-01, ES-03, ES-04)."""
    return _write(record, meaning, signer, reason=reason)


def _write(record: models.Model, meaning: str, signer: Signer, *, reason: str) -> Signature:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("signatures.record() must run inside the service's transaction")
    _claim(signer, record, meaning)
    reason = (reason or "").strip()
    attempt = _check(record, meaning, signer.user, reason)
    user = signer.user
    sig = Signature.objects.create(
        record_type=attempt.record_type,
        record_id=attempt.record_id,
        record_label=attempt.record_label,
        content_sha256=attempt.content_sha256,
        meaning=meaning,
        signer=user,
        signer_username=user.get_username(),
        printed_name=user.get_full_name().strip()[:150],
        signed_at=clock.now(),
        reason=reason,
        method=signer.method,
        request_id=context.request_id()[:64],
        client_ip=(context.client_ip() or "")[:64],
    )
    actor = Actor.for_user(user)
    audit.record(
        actor,
        action=SIGNED,
        instance=record,
        changes={
            "signature": [None, sig.pk],
            "meaning": [None, meaning],
            "content_sha256": [None, sig.content_sha256],
        },
        reason=reason,
        require_reason=False,
    )
    outbox.emit(
        actor,
        SIGNATURE_RECORDED,
        aggregate_type="core.signature",
        aggregate_id=sig.pk,
        payload={
            "id": sig.pk,
            "record_type": sig.record_type,
            "record_id": sig.record_id,
            "meaning": meaning,
            "signer_username": sig.signer_username,
            "printed_name": sig.printed_name,
            "signed_at": sig.signed_at,
            "content_sha256": sig.content_sha256,
            "method": sig.method,
        },
    )
    return sig


def sign(
    record: models.Model,
    meaning: str,
    principal: Any,
    password: str,
    totp: str | None = None,
    *,
    reason: str,
    session_key: str | None = None,
) -> Signature:
    """Sign ``record`` with ``meaning`` in one call: authenticate, then record in a transaction
    of its own. For signatures that change nothing else; services that also change the record
    use the two steps (module docstring)."""
    signer = authenticate(
        record, meaning, principal, password, totp, reason=reason, session_key=session_key
    )
    with refusals_recorded(record, meaning, principal), transaction.atomic():
        return _write(record, meaning, signer, reason=reason)
