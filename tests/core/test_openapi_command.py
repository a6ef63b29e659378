"""``mederp openapi update|check|diff`` on scratch copies of the snapshot and the changelog.

The "old" snapshots are the live document with a synthetic change, so the tests hold whatever
endpoints other work adds meanwhile.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from mederp.core.apicontract import snapshot

GONE = "/api/v1/zz-retired"


@pytest.fixture(scope="module")
def live() -> dict[str, Any]:
    return snapshot.generate(snapshot.api_for("1"))


@pytest.fixture(autouse=True)
def generated_once(live: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Generating the document takes seconds; every command in this module sees the same one."""
    monkeypatch.setattr(snapshot, "generate", lambda api: copy.deepcopy(live))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    changelog = tmp_path / "api-changelog.md"
    changelog.write_text(f"# API changelog\n\n{snapshot.ENTRIES_MARKER}\n", encoding="utf-8")
    return {"snapshot": tmp_path / "openapi-v1.json", "changelog": changelog}


def write(path: Path, document: dict[str, Any]) -> str:
    text = snapshot.render(document)
    path.write_text(text, encoding="utf-8")
    return text


def with_retired_path(live: dict[str, Any]) -> dict[str, Any]:
    """The live document plus an operation the API no longer has: removing it is breaking."""
    old = copy.deepcopy(live)
    old["paths"][GONE] = copy.deepcopy(next(iter(live["paths"].values())))
    return old


def without_a_path(live: dict[str, Any]) -> dict[str, Any]:
    old = copy.deepcopy(live)
    old["paths"].pop(sorted(old["paths"])[-1])
    return old


def test_update_refuses_a_breaking_change_and_writes_nothing(live, files):
    before = write(files["snapshot"], with_retired_path(live))
    changelog_before = files["changelog"].read_text(encoding="utf-8")
    with pytest.raises(CommandError, match="breaking"):
        call_command("openapi", "update", **files)
    assert files["snapshot"].read_text(encoding="utf-8") == before
    assert files["changelog"].read_text(encoding="utf-8") == changelog_before


def test_update_accepts_a_breaking_change_with_a_reason_and_records_it(live, files):
    write(files["snapshot"], with_retired_path(live))
    call_command("openapi", "update", breaking_ok="the retired path had no callers", **files)
    written = files["snapshot"].read_text(encoding="utf-8")
    assert written == snapshot.render(live)
    changelog = files["changelog"].read_text(encoding="utf-8")
    assert snapshot.entries(changelog)[0].sha256 == snapshot.sha256(written)
    assert "Breaking changes accepted: the retired path had no callers" in changelog
    assert f"path {GONE}" in changelog


def test_update_records_an_addition_without_asking(live, files):
    write(files["snapshot"], without_a_path(live))
    call_command("openapi", "update", note="A new path.", **files)
    changelog = files["changelog"].read_text(encoding="utf-8")
    assert "**Added**" in changelog
    assert "**Breaking**" not in changelog
    assert "A new path." in changelog


def test_a_second_update_changes_nothing(live, files):
    write(files["snapshot"], without_a_path(live))
    call_command("openapi", "update", **files)
    changelog = files["changelog"].read_text(encoding="utf-8")
    call_command("openapi", "update", **files)
    assert files["changelog"].read_text(encoding="utf-8") == changelog
    assert len(snapshot.entries(changelog)) == 1


def test_entries_are_newest_first(live, files):
    write(files["snapshot"], without_a_path(live))
    call_command("openapi", "update", **files)
    first = snapshot.entries(files["changelog"].read_text(encoding="utf-8"))[0]
    write(files["snapshot"], without_a_path(live))
    # The same document again, so only a hand-made change can tell the entries apart.
    doc = json.loads(files["snapshot"].read_text(encoding="utf-8"))
    doc["info"]["description"] = "edited"
    write(files["snapshot"], doc)
    call_command("openapi", "update", **files)
    found = snapshot.entries(files["changelog"].read_text(encoding="utf-8"))
    assert found[1] == first
    assert found[0].sha256 == snapshot.sha256(files["snapshot"].read_text(encoding="utf-8"))


def test_check_passes_after_update(live, files, capsys):
    write(files["snapshot"], without_a_path(live))
    call_command("openapi", "update", **files)
    call_command("openapi", "check", **files)
    assert "matches" in capsys.readouterr().out


def test_check_fails_on_a_differing_api_and_lists_breaking_changes_first(live, files, capsys):
    write(files["snapshot"], with_retired_path(without_a_path(live)))
    with pytest.raises(SystemExit) as exit_:
        call_command("openapi", "check", **files)
    assert exit_.value.code == 1
    lines = [x for x in capsys.readouterr().err.splitlines() if not x.startswith("warning:")]
    assert lines[0].startswith("[breaking]")
    assert "BREAKING_OK" in lines[-1]


def test_check_fails_on_a_snapshot_changed_without_a_changelog_entry(live, files, capsys):
    write(files["snapshot"], live)  # by hand: the API matches, the changelog does not
    entry = f"## 2026-11-26 · sha256 `{'0' * 64}`\n\nAn older snapshot.\n"
    snapshot.add_entry(files["changelog"], entry)
    with pytest.raises(SystemExit):
        call_command("openapi", "check", **files)
    assert "without a changelog entry" in capsys.readouterr().err


def test_diff_compares_two_files_as_json_lines(live, tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    write(old, with_retired_path(live))
    write(new, live)
    call_command("openapi", "diff", old=old, new=new, as_json=True)
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {
            "severity": "breaking",
            "location": "/paths/~1api~1v1~1zz-retired",
            "message": rows[0]["message"],
            "used_by": [],
        }
    ]
