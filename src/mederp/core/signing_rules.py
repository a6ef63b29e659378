"""Segregation of duties and signing order, declared per record type (ES-12; 21 CFR 11.10(f), (g);
ISO 13485 §4.2.4).

Each rule is a small object on a :class:`mederp.core.signatures.SigningPolicy`'s ``rules``. At
every signature the service hands each rule that applies to the meaning a
:class:`SigningAttempt` and the rule raises a coded refusal or returns. Rules read the audit
trail and the record's earlier signatures; they never write.

Who is an *author*: whoever created the record, plus whoever changed its content (the record and
the parts the policy names, e.g. a partner's licences) since it was last signed with one of the
rule's meanings, or ever when it was never signed so. "The author cannot approve" therefore
stops both the person who entered the record and the person whose edit is now up for approval,
while a QA manager who fixed a typo years before the last approval may approve today's change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mederp.core.errors import Conflict, PermissionDenied
from mederp.core.models import AuditEntry, Signature

# Audit actions that make or change a record's content (not "signed", not "transition").
AUTHORING_ACTIONS = ("create", "update", "delete", "void")


class AuthorSignatureRefused(PermissionDenied):
    code = "signatures.sod_author_cannot_approve"
    message = _(
        "You created or changed {record}; someone else must sign it as {meaning} "
        "(segregation of duties)."
    )


class SameSignerRefused(PermissionDenied):
    code = "signatures.sod_distinct_signers"
    message = _(
        "You already signed {record} as {other}; signing it as {meaning} needs a different "
        "person (segregation of duties)."
    )


class ExcludedSignerRefused(PermissionDenied):
    code = "signatures.sod_excluded_signer"
    message = _("{role} may not sign {record} as {meaning} (segregation of duties).")


class SigningOrderViolated(Conflict):
    code = "signatures.order_violated"
    message = _("{record} needs a valid {prior} signature before it can be signed as {meaning}.")


@dataclass
class SigningAttempt:
    """One signature about to be written, as the rules see it."""

    record: models.Model
    record_type: str
    record_id: str
    record_label: str
    meaning: str
    signer: Any
    content_sha256: str
    # Every earlier signature on this record, oldest first.
    earlier: list[Signature] = field(default_factory=list)
    # (record_type, record_id) of every record whose audit entries make up the content.
    parts: list[tuple[str, str]] = field(default_factory=list)

    def valid_signatures(self, meanings: Iterable[str] | None = None) -> list[Signature]:
        """Earlier signatures on exactly the content being signed now."""
        wanted = None if meanings is None else set(meanings)
        return [
            s
            for s in self.earlier
            if s.content_sha256 == self.content_sha256 and (wanted is None or s.meaning in wanted)
        ]

    def details(self, **extra: Any) -> dict[str, Any]:
        return {
            "record": self.record_label,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "meaning": self.meaning,
            **extra,
        }


def authors(attempt: SigningAttempt, since_meanings: Iterable[str]) -> set[int]:
    """User ids of the record's creator and of whoever changed its content since its last
    signature with one of ``since_meanings`` (see the module docstring)."""
    parts = attempt.parts or [(attempt.record_type, attempt.record_id)]
    wanted = set(since_meanings)
    last = next((s for s in reversed(attempt.earlier) if s.meaning in wanted), None)
    where = Q()
    for record_type, record_id in parts:
        where |= Q(record_type=record_type, record_id=str(record_id))
    entries = AuditEntry.objects.filter(
        where, action__in=AUTHORING_ACTIONS, actor_id__isnull=False
    ).exclude(actor_kind="system")
    creators = entries.filter(
        action="create", record_type=attempt.record_type, record_id=attempt.record_id
    )
    changers = entries if last is None else entries.filter(id__gt=_audit_id_of(last))
    ids = set(creators.values_list("actor_id", flat=True))
    ids |= set(changers.values_list("actor_id", flat=True))
    return {int(i) for i in ids if i is not None}


def _audit_id_of(signature: Signature) -> int:
    """The id of the "signed" audit entry written with ``signature``: entries after it changed
    the content after the signature (ids, not times, so a frozen or coarse clock cannot blur
    the order within one record's history)."""
    needle = f'"signature":[null,{signature.pk}]'
    entry = (
        AuditEntry.objects.filter(
            record_type=signature.record_type,
            record_id=signature.record_id,
            action="signed",
            changes__contains=needle,
        )
        .values_list("id", flat=True)
        .first()
    )
    return int(entry) if entry is not None else 0


@dataclass(frozen=True)
class AuthorCannotSign:
    """The author of the content may not sign it with these meanings ("the author cannot
    approve")."""

    meanings: frozenset[str] = frozenset({"approved"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "meanings", frozenset(self.meanings))

    def applies_to(self, meaning: str) -> bool:
        return meaning in self.meanings

    def check(self, attempt: SigningAttempt) -> None:
        if attempt.signer.pk in authors(attempt, self.meanings):
            raise AuthorSignatureRefused(**attempt.details())

    def describe(self) -> str:
        return str(
            _(
                "The author (who created it, or changed it since its last such signature) "
                "cannot sign as: {meanings}."
            ).format(meanings=", ".join(sorted(self.meanings)))
        )


@dataclass(frozen=True)
class DistinctSigners:
    """No one person may sign the same content with two of these meanings ("reviewed" and
    "approved" by different people; "inspected" and "released" by different people)."""

    meanings: tuple[str, ...]

    def __init__(self, *meanings: str) -> None:
        object.__setattr__(self, "meanings", tuple(meanings))

    def applies_to(self, meaning: str) -> bool:
        return meaning in self.meanings

    def check(self, attempt: SigningAttempt) -> None:
        others = [m for m in self.meanings if m != attempt.meaning]
        for sig in attempt.valid_signatures(others):
            if sig.signer_id == attempt.signer.pk:
                raise SameSignerRefused(**attempt.details(other=sig.meaning))

    def describe(self) -> str:
        return str(
            _("Different people must sign as: {meanings}.").format(
                meanings=", ".join(self.meanings)
            )
        )


@dataclass(frozen=True)
class SignerNotIn:
    """The generic form: the people a function names for the record may not sign it with these
    meanings, e.g. ``SignerNotIn({"released"}, inspectors_of, role=_("The inspector"))`` for
    "release needs a QA signer different from the inspector"."""

    meanings: frozenset[str]
    people: Callable[[models.Model], Iterable[int]]
    role: Any = None  # a lazy text naming the excluded people ("The inspector")

    def __post_init__(self) -> None:
        object.__setattr__(self, "meanings", frozenset(self.meanings))

    def applies_to(self, meaning: str) -> bool:
        return meaning in self.meanings

    def check(self, attempt: SigningAttempt) -> None:
        if attempt.signer.pk in {int(p) for p in self.people(attempt.record)}:
            raise ExcludedSignerRefused(**attempt.details(role=str(self.role or _("This person"))))

    def describe(self) -> str:
        return str(
            _("{role} may not sign as: {meanings}.").format(
                role=self.role or _("This person"), meanings=", ".join(sorted(self.meanings))
            )
        )


@dataclass(frozen=True)
class RequiresPrior:
    """Signing order: ``meaning`` needs a valid ``prior`` signature on the same content first
    ("reviewed" before "approved")."""

    meaning: str
    prior: str

    def applies_to(self, meaning: str) -> bool:
        return meaning == self.meaning

    def check(self, attempt: SigningAttempt) -> None:
        if not attempt.valid_signatures([self.prior]):
            raise SigningOrderViolated(**attempt.details(prior=self.prior))

    def describe(self) -> str:
        return str(
            _("{meaning} needs a valid {prior} signature on the same content first.").format(
                meaning=self.meaning, prior=self.prior
            )
        )
