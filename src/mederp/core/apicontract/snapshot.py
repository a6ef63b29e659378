"""The committed OpenAPI snapshot of each mounted API and the changelog that records its changes.

``docs/openapi-v<N>.json`` is the published contract of ``/api/v<N>``; ``docs/api-changelog.md``
lists every change of it, newest first, each entry headed by its date and the SHA-256 of the
snapshot it produced, so a snapshot changed without an entry is caught (its hash is not the
newest entry's). The APIs are found in the URLconf, not imported: the kernel may not import the
entry-point layer, and v2 beside v1 would be found the same way.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import groupby
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from ninja import NinjaAPI

import mederp
from mederp.core.apicontract.findings import ADDED, BREAKING, CHANGED, Finding

ENTRIES_MARKER = "<!-- entries: newest first; `mederp openapi update` writes them -->"
_HEADING = re.compile(r"^## (\d{4}-\d{2}-\d{2}) · sha256 `([0-9a-f]{64})`", re.MULTILINE)
_TITLES = {BREAKING: "Breaking", CHANGED: "Changed", ADDED: "Added"}
# A change repeated over more operations than this is one line naming them (429 on every path).
_GROUP_FROM = 3
_LIST_AT_MOST = 8


def docs_dir() -> Path:
    """``docs/`` of the source checkout (``src/mederp`` -> the repository root)."""
    return Path(mederp.__file__).resolve().parents[2] / "docs"


def snapshot_path(version: str) -> Path:
    return docs_dir() / f"openapi-v{version}.json"


def changelog_path() -> Path:
    return docs_dir() / "api-changelog.md"


def mounted_apis() -> dict[str, NinjaAPI]:
    """Every NinjaAPI the URLconf serves, by its version (``"1"`` for ``/api/v1``)."""
    found: dict[str, NinjaAPI] = {}
    for pattern in _patterns(get_resolver().url_patterns):
        callback: Any = inspect.unwrap(pattern.callback)
        if isinstance(callback, partial) and isinstance(callback.keywords.get("api"), NinjaAPI):
            api = callback.keywords["api"]
            found[str(api.version)] = api
    return found


def _patterns(patterns: Iterable[Any]) -> Iterator[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def api_for(version: str) -> NinjaAPI:
    apis = mounted_apis()
    if version not in apis:
        raise LookupError(f"no API version {version!r} is mounted (found: {sorted(apis)})")
    return apis[version]


def generate(api: NinjaAPI) -> dict[str, Any]:
    """The API's OpenAPI document as JSON sees it (status codes as strings)."""
    return json.loads(render(api.get_openapi_schema()))


def render(document: Any) -> str:
    """The snapshot's text: sorted keys, two-space indent, UTF-8 kept, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One changelog entry's heading: when, and the SHA-256 of the snapshot it recorded."""

    day: str
    sha256: str


def entries(changelog: str) -> list[Entry]:
    """The changelog's entries, newest first."""
    return [Entry(m.group(1), m.group(2)) for m in _HEADING.finditer(changelog)]


def newest_sha(changelog_file: Path) -> str | None:
    if not changelog_file.exists():
        return None
    found = entries(changelog_file.read_text(encoding="utf-8"))
    return found[0].sha256 if found else None


def entry_text(
    findings: list[Finding],
    *,
    day: date,
    snapshot_sha: str,
    version: str,
    reason: str = "",
    note: str = "",
) -> str:
    """A changelog entry listing the breaking, changed and added items (empty groups omitted)."""
    lines = [f"## {day.isoformat()} · sha256 `{snapshot_sha}`", ""]
    if note:
        lines += [note.strip(), ""]
    if any(f.breaking for f in findings):
        lines += [f"Breaking changes accepted: {reason.strip()}", ""]
    if not findings:
        lines += [
            f"`/api/v{version}` recorded as it stands; no difference from the last snapshot.",
            "",
        ]
    for severity in (BREAKING, CHANGED, ADDED):
        group = [f for f in findings if f.severity == severity]
        if group:
            lines += [f"**{_TITLES[severity]}**", "", *_items(group), ""]
    return "\n".join(lines)


def _items(findings: list[Finding]) -> list[str]:
    """Markdown bullets; one bullet for a change repeated on many operations."""

    def template(f: Finding) -> str:
        return f.sentence().replace(f.operation, "…", 1) if f.operation else f.sentence()

    out: list[str] = []
    ordered = sorted(findings, key=lambda f: (template(f), f.location))
    for text, members in groupby(ordered, key=template):
        group = list(members)
        if len(group) >= _GROUP_FROM and group[0].operation:
            ops = [f.operation for f in group]
            shown = ", ".join(ops[:_LIST_AT_MOST]) + (" …" if len(ops) > _LIST_AT_MOST else "")
            out.append(f"- {text.lstrip('…: ')} — {len(ops)} operations: {shown}")
        else:
            out.extend(f"- {f.sentence()} (`{f.location}`)" for f in group)
    return out


def add_entry(changelog_file: Path, entry: str) -> None:
    """Put ``entry`` first among the entries, below the marker line."""
    text = changelog_file.read_text(encoding="utf-8") if changelog_file.exists() else ""
    if ENTRIES_MARKER in text:
        head, _sep, tail = text.partition(ENTRIES_MARKER)
        text = f"{head}{ENTRIES_MARKER}\n\n{entry.rstrip()}\n\n{tail.lstrip()}"
    else:
        text = f"{text.rstrip()}\n\n{ENTRIES_MARKER}\n\n{entry.rstrip()}\n"
    changelog_file.write_text(text.rstrip() + "\n", encoding="utf-8")
