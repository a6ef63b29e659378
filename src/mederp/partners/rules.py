"""Pure partner rules: identifiers, business scope and qualification validity (no database).

CN-01 (首营企业: 营业执照 with its unified social credit code, licences with scope and validity),
CN-03 (购货者资质: scope must cover the product category), CN-04 (near-expiry warning, expired or
out-of-scope qualifications block trade). The gates themselves live in procurement and sales;
they ask these functions.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

# GB 32100-2015 §4.2: the 31 characters of a unified social credit code (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (1-based) is 3^(i-1) mod 31 (GB 32100-2015 §5).
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
USCC_LENGTH = 18

# Document kinds (values are stable API and event vocabulary).
BUSINESS_LICENCE = "business_licence"  # 营业执照
MANUFACTURING_LICENCE = "manufacturing_licence"  # 医疗器械生产许可证
DISTRIBUTION_LICENCE = "distribution_licence"  # 医疗器械经营许可证
CLASS2_FILING = "class2_filing"  # 第二类医疗器械经营备案凭证
ISO13485_CERTIFICATE = "iso13485_certificate"
OTHER = "other"
KINDS = (
    BUSINESS_LICENCE,
    MANUFACTURING_LICENCE,
    DISTRIBUTION_LICENCE,
    CLASS2_FILING,
    ISO13485_CERTIFICATE,
    OTHER,
)

# Documents whose business scope is what the regulator licensed: the ones scope checks read.
# 医疗器械生产许可证 and 经营许可证 are issued for five years, an ISO 13485 certificate for three:
# they must carry an end date. A business licence may be 长期 (no end), and a 第二类经营备案凭证
# has no validity term at all, so for those (and "other") the end date is optional.
LICENCE_KINDS = frozenset({MANUFACTURING_LICENCE, DISTRIBUTION_LICENCE, CLASS2_FILING})
EXPIRY_REQUIRED_KINDS = frozenset(
    {MANUFACTURING_LICENCE, DISTRIBUTION_LICENCE, ISO13485_CERTIFICATE}
)


class QualificationState(enum.StrEnum):
    """A document's or a kind's state on one day (CN-04: warn before expiry, block after)."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"  # per kind: nothing on file, or nothing in force yet
    NOT_YET_VALID = "not_yet_valid"  # per document: its valid_from is still ahead


VALID = QualificationState.VALID
EXPIRING = QualificationState.EXPIRING
EXPIRED = QualificationState.EXPIRED
MISSING = QualificationState.MISSING
NOT_YET_VALID = QualificationState.NOT_YET_VALID
_RANK = {VALID: 0, EXPIRING: 1, EXPIRED: 2}

SCOPE_SEPARATORS = ("-", ".", "/")
_SCOPE_SPLIT = re.compile(r"[\s,;，；、]+")
SCOPE_CODE = re.compile(r"^[0-9A-Z](?:[0-9A-Z./-]{0,30}[0-9A-Z])?$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

# ISO 3166-1 alpha-2, officially assigned codes.
_COUNTRY_LIST = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_COUNTRY_LIST.split())


class Document(Protocol):
    """What the rules read from a qualification document (a model instance or any object)."""

    @property
    def kind(self) -> str: ...
    @property
    def valid_from(self) -> dt.date | None: ...
    @property
    def valid_until(self) -> dt.date | None: ...
    @property
    def scope(self) -> Sequence[str]: ...


def normalise_uscc(value: str) -> str:
    """Full-width to half-width, spaces removed, upper case: what people paste from a licence."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015 §5).

    C18 = 31 - (sum of Ci x Wi mod 31), where Ci is the character's index in the code alphabet
    and Wi = 3^(i-1) mod 31; a result of 31 is written as 0.
    """
    if len(first17) != USCC_LENGTH - 1 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError("need 17 characters from the USCC alphabet")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(value: str) -> bool:
    """Whether ``value`` (already normalised) is 18 code characters with a correct check one.

    Positions 3-8 are the administrative division code (digits). The check on the embedded
    organisation code (GB 11714) is not applied: the 18th character already protects the whole.
    """
    if len(value) != USCC_LENGTH or any(c not in USCC_ALPHABET for c in value):
        return False
    if not value[2:8].isdigit():
        return False
    return uscc_check_character(value[:17]) == value[17]


def parse_scope(value: str | Iterable[str]) -> list[str]:
    """Business-scope category codes from text or a list: split on commas (ASCII or Chinese),
    semicolons, spaces and newlines; full-width to half-width; upper case; first occurrence kept.

    ``"07-01, 6815\\n07-01；14"`` gives ``["07-01", "6815", "14"]``.
    """
    parts = [value] if isinstance(value, str) else list(value)
    codes: list[str] = []
    for part in parts:
        text = unicodedata.normalize("NFKC", str(part)).upper()
        for code in _SCOPE_SPLIT.split(text):
            if code and code not in codes:
                codes.append(code)
    return codes


def invalid_scope_codes(codes: Iterable[str]) -> list[str]:
    """The codes that are not category codes (letters, digits and ``- . /`` inside)."""
    return [c for c in codes if not SCOPE_CODE.match(c)]


def scope_code_covers(scope_code: str, category_code: str) -> bool:
    """``"07"`` covers ``"07"`` and ``"07-01"`` (a prefix ending at a separator), not ``"070"``."""
    scope, category = scope_code.strip().upper(), category_code.strip().upper()
    if not scope or not category:
        return False
    if scope == category:
        return True
    return category.startswith(scope) and category[len(scope)] in SCOPE_SEPARATORS


def document_status(doc: Document, on_date: dt.date, warn_days: int = 30) -> QualificationState:
    """valid, expiring (ends within ``warn_days`` days from ``on_date``), expired, or
    not_yet_valid.

    A document is in force on its first and last day; no end date means it never expires.
    """
    if doc.valid_from is not None and on_date < doc.valid_from:
        return NOT_YET_VALID
    if doc.valid_until is None:
        return VALID
    if on_date > doc.valid_until:
        return EXPIRED
    if (doc.valid_until - on_date).days <= warn_days:
        return EXPIRING
    return VALID


def is_in_force(doc: Document, on_date: dt.date) -> bool:
    return document_status(doc, on_date) in (VALID, EXPIRING)


def qualification_status(
    documents: Iterable[Document], on_date: dt.date, warn_days: int = 30
) -> dict[str, QualificationState]:
    """Per document kind: valid / expiring / expired / missing on ``on_date``.

    The best document of a kind decides (a renewed licence makes the expired one irrelevant).
    A kind with no document, or only documents not yet in force, is missing.
    """
    best: dict[str, QualificationState] = {}
    for doc in documents:
        state = document_status(doc, on_date, warn_days)
        if state == NOT_YET_VALID:
            continue
        if doc.kind not in best or _RANK[state] < _RANK[best[doc.kind]]:
            best[doc.kind] = state
    return {kind: best.get(kind, MISSING) for kind in KINDS}


def overall_status(per_kind: dict[str, QualificationState]) -> QualificationState:
    """The partner's badge: the worst state among the kinds it holds; missing when it holds none.

    Which kinds a role *requires* is the approval workflow's decision (a later issue); the badge
    only reports the documents on file.
    """
    held = [s for s in per_kind.values() if s != MISSING]
    if not held:
        return MISSING
    return max(held, key=_RANK.__getitem__)


def scope_covers(documents: Iterable[Document], category_code: str, on_date: dt.date) -> bool:
    """Whether a licence in force on ``on_date`` lists a scope code covering ``category_code``
    (CN-03, CN-04). Business licences and certificates do not count: only the licence or filing
    the regulator issued for medical devices does."""
    return any(
        doc.kind in LICENCE_KINDS
        and is_in_force(doc, on_date)
        and any(scope_code_covers(code, category_code) for code in doc.scope)
        for doc in documents
    )


class LicenceProblem(enum.StrEnum):
    """Why no licence lets a partner trade a product category on a day (CN-03, CN-04)."""

    MISSING = "missing"  # no device licence or filing on file at all
    SCOPE = "scope"  # licences in force, none covering the category
    EXPIRED = "expired"  # the covering licence lapsed
    NOT_YET_VALID = "not_yet_valid"  # the covering licence starts later


@dataclass(frozen=True)
class LicenceVerdict:
    problem: LicenceProblem
    #: The document that blocks (the covering licence that lapsed or starts later), if any:
    #: what the refusal names (invariant 6).
    document: Any = None


def licence_verdict(
    documents: Iterable[Document], category_code: str, on_date: dt.date
) -> LicenceVerdict | None:
    """Why the partner may not trade a product of ``category_code`` on ``on_date`` (buying from
    a supplier, selling to a customer), naming the blocking document where there is one;
    ``None`` when a licence in force covers it (the same question :func:`scope_covers` answers
    without naming anything)."""
    licences = [d for d in documents if d.kind in LICENCE_KINDS]
    if scope_covers(licences, category_code, on_date):
        return None
    covering = [
        d for d in licences if any(scope_code_covers(code, category_code) for code in d.scope)
    ]
    if covering:
        later = [d for d in covering if d.valid_from is not None and d.valid_from > on_date]
        if len(later) == len(covering):
            return LicenceVerdict(
                LicenceProblem.NOT_YET_VALID, min(later, key=lambda d: d.valid_from or dt.date.min)
            )
        lapsed = [d for d in covering if d not in later]
        return LicenceVerdict(
            LicenceProblem.EXPIRED, max(lapsed, key=lambda d: d.valid_until or dt.date.max)
        )
    if licences:
        return LicenceVerdict(LicenceProblem.SCOPE)
    return LicenceVerdict(LicenceProblem.MISSING)


def covering_licence(
    documents: Iterable[Document], category_code: str, on_date: dt.date
) -> Document | None:
    """The licence in force on ``on_date`` that covers ``category_code`` and runs longest: the
    one a sales record names (经营办法 第三十八条: the buyer's 许可证/备案编号)."""
    found = [
        d
        for d in documents
        if d.kind in LICENCE_KINDS
        and is_in_force(d, on_date)
        and any(scope_code_covers(code, category_code) for code in d.scope)
    ]
    return max(found, key=lambda d: d.valid_until or dt.date.max, default=None)


D = TypeVar("D", bound=Document)


def lapsed_business_licence(documents: Iterable[D], on_date: dt.date) -> D | None:
    """The business licence (营业执照) on file that lapsed, when none is in force; else
    ``None``. A partner without one on file is judged by its device licences alone."""
    held = [d for d in documents if d.kind == BUSINESS_LICENCE]
    if not held or any(is_in_force(d, on_date) for d in held):
        return None
    return max(held, key=lambda d: d.valid_until or dt.date.max)
