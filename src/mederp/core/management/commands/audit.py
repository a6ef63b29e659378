"""``mederp audit seal|verify|checkpoint|keygen`` (invariant 2; AT-07)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core import chain, checkpoint
from mederp.core.errors import DomainError


class Command(BaseCommand):
    help = "Seal, verify and checkpoint the audit trail's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seal = sub.add_parser("seal", help="chain committed entries now")
        seal.add_argument("--follow", action="store_true", help="keep sealing every --interval s")
        seal.add_argument("--interval", type=float, default=1.0)
        verify = sub.add_parser("verify", help="walk the chain; exit 1 when it is broken")
        verify.add_argument("--json", action="store_true")
        verify.add_argument("--checkpoint", type=Path, help="a signed checkpoint file to prove")
        verify.add_argument(
            "--no-seal", action="store_true", help="do not chain pending entries before verifying"
        )
        cp = sub.add_parser("checkpoint", help="sign the chain head with the Ed25519 key")
        cp.add_argument("--out-dir", type=Path)
        kg = sub.add_parser("keygen", help="create the Ed25519 signing key if it does not exist")
        kg.add_argument("--path", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        try:
            getattr(self, f"_{action}")(**opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc

    def _seal(self, *, follow: bool, interval: float, **_: Any) -> None:
        while True:
            n = chain.seal()
            if n or not follow:
                self.stdout.write(f"sealed {n} entries")
            if not follow:
                return
            time.sleep(interval)

    def _verify(self, *, json: bool, checkpoint: Path | None, no_seal: bool, **_: Any) -> None:
        if not no_seal:
            chain.seal(sweep=True)
        started = time.perf_counter()
        report = chain.verify()
        elapsed = time.perf_counter() - started
        if checkpoint is not None:
            self._check_checkpoint_file(report, checkpoint)
        data = report.as_dict()
        data["seconds"] = round(elapsed, 3)
        if json:
            self.stdout.write(_json_dumps(data))
        else:
            self._print_human(report, elapsed)
        if not report.ok:
            sys.exit(1)

    def _check_checkpoint_file(self, report: chain.VerifyReport, path: Path) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            report.add(chain.Problem("checkpoint", None, None, f"cannot read {path}: {exc}"))
            return
        try:
            checkpoint.check_checkpoint(document)
            report.checkpoint = {"file": str(path), "seq": document["seq"], "ok": True}
        except DomainError as exc:
            report.checkpoint = {"file": str(path), "ok": False}
            report.add(chain.Problem("checkpoint", document.get("seq"), None, exc.render_message()))

    def _print_human(self, report: chain.VerifyReport, elapsed: float) -> None:
        rate = report.entries_checked / elapsed if elapsed else 0
        self.stdout.write(
            f"checked {report.entries_checked} entries in {elapsed:.2f}s ({rate:,.0f}/s); "
            f"head #{report.head_seq} {report.head_hash[:16]}…; unsealed {report.unsealed_entries}"
        )
        if report.checkpoint and report.checkpoint.get("ok"):
            self.stdout.write(f"checkpoint at #{report.checkpoint['seq']} holds")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("audit chain intact"))
            return
        first = report.first_problem
        assert first is not None
        self.stdout.write(
            self.style.ERROR(
                f"AUDIT CHAIN BROKEN: first problem: {first.kind} at position {first.seq} "
                f"(entry {first.entry_id}): {first.detail}"
            )
        )
        for p in report.problems[1:]:
            self.stdout.write(f"  also: {p.kind} at {p.seq} (entry {p.entry_id}): {p.detail}")

    def _checkpoint(self, *, out_dir: Path | None, **_: Any) -> None:
        chain.seal(sweep=True)
        document = checkpoint.create_checkpoint()
        path = checkpoint.write_checkpoint(document, out_dir)
        self.stdout.write(_json_dumps({**document, "file": str(path)}))

    def _keygen(self, *, path: Path | None, **_: Any) -> None:
        written = checkpoint.generate_key(path)
        self.stdout.write(str(written))


def _json_dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
