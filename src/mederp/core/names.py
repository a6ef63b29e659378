"""Near-duplicate detection for master-data names (first-time supplier approval, 首营).

Two records for one company or product split its qualification history and let a blocked
supplier come back under a new spelling. Names are compared after normalisation: full-width to
half-width (NFKC), case folded, punctuation and spaces dropped, company suffixes such as
有限公司 or "Co., Ltd." removed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Longest first, so 股份有限公司 is removed whole rather than leaving 股份.
_SUFFIXES = sorted(
    [
        "有限责任公司",
        "股份有限公司",
        "集团有限公司",
        "有限公司",
        "分公司",
        "公司",
        "集团",
        "厂",
        "corporation",
        "company",
        "limited",
        "co",
        "ltd",
        "inc",
        "corp",
        "gmbh",
        "llc",
        "plc",
        "ag",
        "sa",
        "bv",
        "kk",
        "group",
    ],
    key=len,
    reverse=True,
)
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
SIMILARITY_THRESHOLD = 0.85


def normalise_name(name: str) -> str:
    """The comparison key: "苏州示例医疗科技 有限公司" and "苏州示例医疗科技有限公司" match."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    words = [w for w in re.split(r"[\s,.;()（）·]+", text) if w]
    # Drop trailing English suffix words ("Co., Ltd.") before gluing the words together.
    while words and words[-1] in _SUFFIXES:
        words.pop()
    key = _PUNCT.sub("", "".join(words))
    changed = True
    while changed and key:
        changed = False
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                key = key[: -len(suffix)]
                changed = True
                break
    return key


@dataclass(frozen=True)
class NameMatch:
    id: int
    name: str
    score: float


def similar_names(
    name: str, candidates: Iterable[tuple[int, str]], *, threshold: float = SIMILARITY_THRESHOLD
) -> list[NameMatch]:
    """Candidates whose normalised name equals, contains or closely resembles ``name``'s."""
    key = normalise_name(name)
    if not key:
        return []
    matches: list[NameMatch] = []
    for pk, other in candidates:
        other_key = normalise_name(other)
        if not other_key:
            continue
        if other_key == key:
            score = 1.0
        elif min(len(key), len(other_key)) >= 4 and (key in other_key or other_key in key):
            score = 0.9
        else:
            score = difflib.SequenceMatcher(None, key, other_key).ratio()
        if score >= threshold:
            matches.append(NameMatch(pk, other, round(score, 3)))
    return sorted(matches, key=lambda m: (-m.score, m.id))
