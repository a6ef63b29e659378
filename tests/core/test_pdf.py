"""core.pdf: printable copies of records (21 CFR 11.10(b)) with signature manifestations (11.50).

Text is set in the STSong-Light CID font and shown as UTF-16BE strings, so these tests read the
uncompressed content streams back to prove what a reader would display.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import translation

from mederp.core import pdf
from mederp.core.models import Signature
from mederp.core.signatures import SignatureView

GENERATED = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
DIGEST = "ab" * 32

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _literals(stream: bytes) -> list[bytes]:
    """The PDF string literals shown with Tj, unescaped."""
    out = []
    for match in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", stream, re.S):
        raw, value, i = match.group(1), bytearray(), 0
        while i < len(raw):
            ch = raw[i : i + 1]
            if ch != b"\\":
                value += ch
                i += 1
                continue
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                value.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
            else:
                value += _ESCAPES.get(nxt, nxt)
                i += 2
        out.append(bytes(value))
    return out


def shown_text(content: bytes) -> str:
    """Every shown string, whitespace removed: reportlab splits runs and wraps cells, so
    assertions compare text with its whitespace squeezed out (see :func:`squeeze`)."""
    return "".join(squeeze(s.decode("utf-16-be", "replace")) for s in _literals(content))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def render(blocks: list[pdf.Block], **kwargs: object) -> pdf.Rendered:
    with translation.override("en"):
        return pdf.render(
            "设备历史记录 Device history record",
            blocks,
            content_sha256=DIGEST,
            generated_at=GENERATED,
            compress=False,
            **kwargs,  # type: ignore[arg-type]
        )


def test_a_document_is_a_pdf_set_in_the_cid_font() -> None:
    content = pdf.render_pdf("Title", [pdf.Paragraph("hello")])

    assert content.startswith(b"%PDF")
    assert b"STSong-Light" in content
    assert content.rstrip().endswith(b"%%EOF")


def test_chinese_text_survives_in_title_facts_and_tables() -> None:
    rendered = render(
        [
            pdf.Facts([("工单 Work order", "WO-2026-00001"), ("器械", "一次性使用输液器")]),
            pdf.Table(["批号", "供应商"], [["L-001", "上海某某医疗器械有限公司"]], title="组件"),
        ]
    )

    text = shown_text(rendered.content)
    assert squeeze("设备历史记录 Device history record") in text
    assert squeeze("一次性使用输液器") in text
    assert squeeze("上海某某医疗器械有限公司") in text
    assert squeeze("组件") in text


def test_every_page_says_page_x_of_y_and_carries_time_and_content_hash() -> None:
    rows = [[f"L-{i:04d}", "x" * 120, Decimal("1.000")] for i in range(150)]
    rendered = render([pdf.Table(["Lot", "Notes", "Quantity"], rows)])

    assert rendered.pages > 1
    assert rendered.content.count(b"/Type /Page\n") == rendered.pages
    text = shown_text(rendered.content)
    for page in range(1, rendered.pages + 1):
        assert squeeze(f"Page {page} of {rendered.pages}") in text
    assert text.count(squeeze(f"content SHA-256 {DIGEST}")) == rendered.pages
    assert text.count(squeeze("Generated 2026-06-15 02:00:00 UTC")) == rendered.pages


def test_a_long_table_repeats_its_header_row_on_every_page() -> None:
    rows = [[f"L-{i:04d}", "note"] for i in range(200)]
    rendered = render([pdf.Table(["Lot number", "Notes"], rows)])

    assert rendered.pages > 1
    assert shown_text(rendered.content).count("Lotnumber") == rendered.pages


def test_values_are_data_not_markup() -> None:
    rendered = render([pdf.Paragraph("<b>bold</b> & <unclosed")])

    # shown literally (in several text runs), not as bold
    assert squeeze("<b>bold</b> & <unclosed") in shown_text(rendered.content)


def test_a_signature_prints_its_manifestation() -> None:
    sig = Signature(
        record_type="production.workorder",
        record_id="1",
        content_sha256=DIGEST,
        meaning="reviewed",
        signer_username="qa",
        printed_name="王质量 Wang QA",
        signed_at=dt.datetime(2026, 6, 15, 2, 30, tzinfo=dt.UTC),
        method="password+totp",
    )
    rendered = render([pdf.Signatures([SignatureView(sig, True)], title="Close")])

    text = shown_text(rendered.content)
    assert squeeze("王质量 Wang QA (qa)") in text
    assert squeeze("Reviewed") in text
    assert squeeze("2026-06-15 02:30:00 UTC") in text
    assert squeeze("2026-06-15 10:30:00 CST") in text  # the display time zone, Asia/Shanghai
    assert squeeze("password+totp") in text
    assert squeeze("valid") in text


def test_an_invalid_signature_says_so() -> None:
    sig = Signature(
        meaning="approved",
        signer_username="qa",
        printed_name="QA",
        signed_at=GENERATED,
        method="password",
    )
    text = shown_text(render([pdf.Signatures([SignatureView(sig, False)])]).content)

    assert squeeze("INVALID") in text


def test_empty_blocks_say_so_and_a_bar_draws() -> None:
    rendered = render(
        [
            pdf.Table(["a"], [], empty="No checks recorded."),
            pdf.Signatures([]),
            pdf.Bar("Yield", Decimal("0.95"), "95.0 %"),
            pdf.Bar("Yield", None, "—"),
        ]
    )

    text = shown_text(rendered.content)
    assert squeeze("No checks recorded.") in text
    assert squeeze("Not signed yet.") in text
    assert squeeze("95.0 %") in text


def test_a_cell_taller_than_a_page_continues_on_the_next_page() -> None:
    notes = "备注 long note " * 1500
    rendered = render([pdf.Facts([("Notes", notes)]), pdf.Table(["a", "notes"], [["x", notes]])])

    assert rendered.pages > 2
    assert rendered.content.startswith(b"%PDF")
