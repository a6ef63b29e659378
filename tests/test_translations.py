"""The zh-Hans catalogue (the UI's default language) is complete, compiled and placeholder-safe.

Every msgid has a non-empty, non-fuzzy translation; each msgstr carries exactly the placeholders
of its msgid ({name}, %(name)s, %s ...); the committed django.mo is what msgfmt makes of the
committed django.po (skipped when msgfmt is missing) and Django serves those translations.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

import mederp

LC_MESSAGES = Path(mederp.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')
_BRACE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
_PERCENT = re.compile(r"%(?:\(([A-Za-z_][A-Za-z0-9_]*)\))?[-#0 +]*\d*(?:\.\d+)?([sdifrxXeEgGc%])")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}

    def label(self) -> str:
        ctx = self.fields.get("msgctxt")
        return f"{ctx}|{self.msgid}" if ctx is not None else self.msgid


def _unquote(token: str) -> str:
    body = token.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def parse_po(text: str) -> list[Entry]:
    """A small .po reader: comments, flags, msgctxt/msgid/msgid_plural/msgstr[n], continuations."""
    entries: list[Entry] = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        entry, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            elif line.startswith("#"):
                continue
            elif m := _KEYWORD.match(line):
                current = m.group(1)
                entry.fields[current] = _unquote(m.group(2))
            elif line.strip().startswith('"') and current is not None:
                entry.fields[current] += _unquote(line)
            elif line.strip():
                raise AssertionError(f"unparseable line in {PO.name}: {line!r}")
        if entry.fields or entry.obsolete:
            entries.append(entry)
    return entries


def placeholders(text: str) -> tuple[list[str], list[str]]:
    braces = sorted(set(_BRACE.findall(text)))
    percents = sorted(
        f"%({name}){conv}" if name else f"%{conv}"
        for name, conv in _PERCENT.findall(text)
        if conv != "%"
    )
    return braces, percents


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO.read_text(encoding="utf-8"))


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


def test_header_declares_chinese_utf8_and_one_plural_form(entries):
    header = next(e for e in entries if e.msgid == "" and "msgctxt" not in e.fields)
    text = header.fields["msgstr"]
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "fuzzy" not in header.flags


def test_catalogue_has_messages_and_no_obsolete_ones(entries):
    assert len(_messages(entries)) >= 250
    assert not [e.label() for e in entries if e.obsolete]


def test_every_msgid_is_translated_and_not_fuzzy(entries):
    untranslated = [e.label() for e in _messages(entries) if not all(e.msgstrs.values())]
    fuzzy = [e.label() for e in _messages(entries) if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_plural_entries_have_exactly_one_form(entries):
    wrong = [
        e.label()
        for e in _messages(entries)
        if "msgid_plural" in e.fields and sorted(e.msgstrs) != ["msgstr[0]"]
    ]
    assert not wrong, f"zh has one plural form; fill msgstr[0] only: {wrong}"


def test_placeholders_match_between_msgid_and_msgstr(entries):
    wrong = []
    for e in _messages(entries):
        # zh's single plural form serves every count, so it follows msgid_plural when present.
        want_braces, want_percents = placeholders(e.fields.get("msgid_plural", e.msgid))
        for key, msgstr in e.msgstrs.items():
            braces, percents = placeholders(msgstr)
            if braces != want_braces or sorted(set(percents)) != sorted(set(want_percents)):
                wrong.append((e.label(), key, msgstr))
    assert not wrong, f"placeholders differ: {wrong}"


def test_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")
    assert MO.exists(), "run `mederp compilemessages` and commit django.mo"
    fresh = tmp_path / "django.mo"
    # The same invocation as Django's compilemessages.
    subprocess.run(
        [msgfmt, "--check-format", "-o", str(fresh), str(PO)], check=True, capture_output=True
    )
    assert fresh.read_bytes() == MO.read_bytes(), (
        "django.mo is stale: run `mederp compilemessages` and commit it"
    )


def test_django_serves_every_catalogue_translation(entries):
    with translation.override("zh-hans"):
        wrong = []
        for e in _messages(entries):
            ctx = e.fields.get("msgctxt")
            if "msgid_plural" in e.fields:
                plural = e.fields["msgid_plural"]
                if ctx is not None:
                    got = translation.npgettext(ctx, e.msgid, plural, 1)
                else:
                    got = translation.ngettext(e.msgid, plural, 1)
                want = e.fields["msgstr[0]"]
            else:
                if ctx is not None:
                    got = translation.pgettext(ctx, e.msgid)
                else:
                    got = translation.gettext(e.msgid)
                want = e.fields["msgstr"]
            if got != want:
                wrong.append((e.label(), got, want))
        assert not wrong, f"Django serves other text than the catalogue (stale .mo?): {wrong[:10]}"
        assert translation.gettext("Audit trail") == "审计追踪"
