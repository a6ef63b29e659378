"""The published API contract (docs/openapi-v1.json) changes only on purpose (STYLE rule 11).

Integrators build against the OpenAPI document. A change to a path, schema or error shape is a
contract change: it is reviewed with its classified differences, and recorded by
``mederp openapi update`` (``make openapi``), which writes the snapshot and a changelog entry
naming the snapshot's SHA-256, and refuses a breaking change without ``--breaking-ok "reason"``.
"""

from __future__ import annotations

import json

from mederp.core.apicontract import snapshot
from mederp.core.apicontract.collisions import component_collisions
from mederp.core.apicontract.compat import compare

SNAPSHOT = snapshot.snapshot_path("1")
CHANGELOG = snapshot.changelog_path()


def current_schema() -> str:
    return snapshot.render(snapshot.generate(snapshot.api_for("1")))


def test_the_api_matches_the_committed_openapi_snapshot():
    assert SNAPSHOT.exists(), "run `make openapi` and commit docs/openapi-v1.json"
    committed = SNAPSHOT.read_text(encoding="utf-8")
    generated = current_schema()
    if generated == committed:
        return
    findings = compare(json.loads(committed), json.loads(generated))
    shown = "\n".join(str(f) for f in findings[:60])
    more = f"\n... and {len(findings) - 60} more" if len(findings) > 60 else ""
    breaking = sum(f.breaking for f in findings)
    command = 'make openapi BREAKING_OK="why"' if breaking else "make openapi"
    raise AssertionError(
        f"the API contract changed ({len(findings)} differences, {breaking} breaking):\n"
        f"{shown}{more}\nreview them, run `{command}` and commit docs/openapi-v1.json with "
        "docs/api-changelog.md"
    )


def test_the_newest_changelog_entry_names_the_committed_snapshot():
    text = CHANGELOG.read_text(encoding="utf-8")
    entries = snapshot.entries(text)
    assert entries, "docs/api-changelog.md has no entry; run `make openapi`"
    actual = snapshot.sha256(SNAPSHOT.read_text(encoding="utf-8"))
    assert entries[0].sha256 == actual, (
        f"docs/openapi-v1.json (sha256 {actual}) changed without a changelog entry (the newest "
        f"names {entries[0].sha256}); record it with `make openapi`, not by hand"
    )


def test_no_two_schemas_share_a_component_name():
    # ninja keys components by class name: a second class of the same name silently replaces
    # the first in the document, which then misdescribes the first one's operations.
    shared = component_collisions(snapshot.api_for("1"))
    assert not shared, "rename these schema classes apart:\n" + "\n".join(
        f"{name}: {', '.join(classes)}" for name, classes in shared.items()
    )
