"""``mederp openapi check|diff|update``: the published API contract changes only on purpose.

``check`` (CI, ``make check``): the generated document equals the committed snapshot and the
newest changelog entry names the snapshot's SHA-256; otherwise it prints the classified
differences, breaking ones first, and exits 1. ``diff`` prints the differences between any two
documents (default: snapshot -> generated). ``update`` (``make openapi``) writes the snapshot and
a changelog entry, and refuses a breaking change unless ``--breaking-ok "reason"`` is given.
Each refuses an API in which two schema classes share a component name (``collisions``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core import clock
from mederp.core.apicontract import snapshot
from mederp.core.apicontract.collisions import component_collisions
from mederp.core.apicontract.compat import compare
from mederp.core.apicontract.findings import Finding


class Command(BaseCommand):
    help = "Check, diff or update the committed OpenAPI snapshot and the API changelog."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="exit 1 unless the snapshot and changelog are current")
        diff = sub.add_parser("diff", help="classify the differences between two documents")
        diff.add_argument("--old", type=Path, help="old document (default: the snapshot)")
        diff.add_argument("--new", type=Path, help="new document (default: generated)")
        diff.add_argument("--json", dest="as_json", action="store_true", help="JSON lines")
        update = sub.add_parser("update", help="write the snapshot and a changelog entry")
        update.add_argument(
            "--breaking-ok",
            metavar="REASON",
            default="",
            help="accept breaking changes; the reason goes into the changelog",
        )
        update.add_argument("--note", default="", help="a sentence for the changelog entry")
        for cmd in (check, diff, update):
            cmd.add_argument("--api-version", default="1", help="the API version (default 1)")
            cmd.add_argument("--snapshot", type=Path, help="default docs/openapi-v<N>.json")
            cmd.add_argument("--changelog", type=Path, help="default docs/api-changelog.md")

    def handle(self, *args: Any, **opts: Any) -> None:
        version = opts["api_version"]
        self.snapshot_file: Path = opts["snapshot"] or snapshot.snapshot_path(version)
        self.changelog_file: Path = opts["changelog"] or snapshot.changelog_path()
        self.version = version
        getattr(self, f"_{opts['action']}")(**opts)

    def _generated(self) -> dict[str, Any]:
        try:
            api = snapshot.api_for(self.version)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        shared = component_collisions(api)
        if shared:
            for name, classes in shared.items():
                self.stderr.write(f"schema {name} is claimed by {', '.join(classes)}")
            raise CommandError(
                f"{len(shared)} schema name(s) belong to more than one class: the document would "
                "describe all their operations with one of them. Rename the classes."
            )
        return snapshot.generate(api)

    def _committed(self) -> dict[str, Any] | None:
        if not self.snapshot_file.exists():
            return None
        return json.loads(self.snapshot_file.read_text(encoding="utf-8"))

    def _check(self, **_: Any) -> None:
        generated = self._generated()
        committed = self._committed()
        problems = 0
        if committed is None:
            self.stderr.write(f"{self.snapshot_file} does not exist")
            problems += 1
        elif snapshot.render(generated) != snapshot.render(committed):
            findings = compare(committed, generated)
            self._print(findings)
            self.stderr.write(
                f"the API differs from {self.snapshot_file} "
                f"({_count(findings)}): review, then run `make openapi`"
                + (' BREAKING_OK="reason"' if any(f.breaking for f in findings) else "")
            )
            problems += 1
        elif not self._changelog_current(self.snapshot_file.read_text(encoding="utf-8")):
            problems += 1
        if problems:
            sys.exit(1)
        self.stdout.write(f"/api/v{self.version} matches {self.snapshot_file}")

    def _changelog_current(self, snapshot_text: str) -> bool:
        newest = snapshot.newest_sha(self.changelog_file)
        actual = snapshot.sha256(snapshot_text)
        if newest != actual:
            self.stderr.write(
                f"the newest entry of {self.changelog_file} names sha256 {newest}, the snapshot "
                f"is {actual}: the snapshot changed without a changelog entry; run "
                "`mederp openapi update` instead of editing it by hand"
            )
            return False
        return True

    def _diff(self, *, old: Path | None, new: Path | None, as_json: bool, **_: Any) -> None:
        before = _load(old) if old else self._committed()
        if before is None:
            raise CommandError(f"{self.snapshot_file} does not exist")
        after = _load(new) if new else self._generated()
        findings = compare(before, after)
        if as_json:
            for f in findings:
                self.stdout.write(_json_line(f))
        else:
            self._print(findings, out=self.stdout)
            self.stdout.write(_count(findings))

    def _update(self, *, breaking_ok: str, note: str, **_: Any) -> None:
        generated = self._generated()
        committed = self._committed()
        text = snapshot.render(generated)
        findings = compare(committed, generated) if committed is not None else []
        unchanged = committed is not None and text == snapshot.render(committed)
        if unchanged and snapshot.newest_sha(self.changelog_file) == snapshot.sha256(text):
            self.stdout.write(f"{self.snapshot_file} is current; nothing to do")
            return
        breaking = [f for f in findings if f.breaking]
        if breaking and not breaking_ok.strip():
            self._print(breaking)
            raise CommandError(
                f"{len(breaking)} breaking change(s); nothing written. Integrators' clients can "
                'fail: undo them, or accept them with --breaking-ok "reason" '
                '(make openapi BREAKING_OK="reason")'
            )
        self.snapshot_file.parent.mkdir(parents=True, exist_ok=True)
        self.snapshot_file.write_text(text, encoding="utf-8")
        entry = snapshot.entry_text(
            findings,
            day=clock.now().date(),
            snapshot_sha=snapshot.sha256(text),
            version=self.version,
            reason=breaking_ok,
            note=note
            or ("" if committed is not None else f"First snapshot of /api/v{self.version}."),
        )
        snapshot.add_entry(self.changelog_file, entry)
        self.stdout.write(
            f"wrote {self.snapshot_file} ({_count(findings)}) and an entry in {self.changelog_file}"
        )

    def _print(self, findings: list[Finding], out: Any = None) -> None:
        stream = out or self.stderr
        for f in findings:
            stream.write(str(f))


def _count(findings: list[Finding]) -> str:
    breaking = sum(f.breaking for f in findings)
    return f"{len(findings)} difference(s), {breaking} breaking"


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc


def _json_line(f: Finding) -> str:
    return json.dumps(
        {
            "severity": f.severity,
            "location": f.location,
            "message": f.message,
            "used_by": list(f.used_by),
        },
        ensure_ascii=False,
    )
