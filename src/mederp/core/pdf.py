"""Printable records as PDF: one small document model every app renders through.

A document is a title and a list of blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Facts`, :class:`Table`, :class:`Bar`, :class:`Signatures`); :func:`render_pdf` lays them
out on A4 and returns the bytes. Every page carries "page X of Y" and a footer with the time the
copy was generated (UTC) and the SHA-256 of the record's canonical content, so a printed copy can
be matched to the record it came from (21 CFR 11.10(b): accurate and complete copies in human
readable form; ISO 13485 §4.2.5).

Signatures print their manifestation: printed name, meaning, date and time in UTC and in local
time, and the authentication method (21 CFR 11.50(a), (b); ES-02), plus whether the signature
still covers the record's content (11.70).

All text is set in Adobe's ``STSong-Light`` CID font, which every PDF reader carries, so Chinese
and Latin text render without shipping a font file. Text is escaped: values are data, never
markup.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from mederp.core import clock

FONT = "STSong-Light"
PAGE_SIZE = A4
MARGIN = 15 * mm
FOOTER_SIZE = 7

_registered: list[str] = []


def _font() -> str:
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered.append(FONT)
    return FONT


# --- blocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Facts:
    """Key/value pairs in two columns (the header block of a record)."""

    rows: Sequence[tuple[str, Any]]
    title: str = ""


@dataclass(frozen=True)
class Table:
    """Rows under a header that repeats on every page; cells wrap. ``widths`` are relative
    weights of the columns (equal when omitted)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    title: str = ""
    widths: Sequence[float] | None = None
    empty: str = ""


@dataclass(frozen=True)
class Bar:
    """A horizontal bar showing ``fraction`` (0..1) of a whole, e.g. a yield."""

    label: str
    fraction: decimal.Decimal | float | None
    caption: str = ""


@dataclass(frozen=True)
class Signatures:
    """Manifestations of :class:`mederp.core.signatures.SignatureView` objects (11.50)."""

    signatures: Sequence[Any]
    title: str = ""
    empty: str = ""


Block = Heading | Paragraph | Facts | Table | Bar | Signatures


@dataclass
class _Styles:
    font: str
    body: ParagraphStyle = field(init=False)
    small: ParagraphStyle = field(init=False)
    cell: ParagraphStyle = field(init=False)
    head: ParagraphStyle = field(init=False)
    title: ParagraphStyle = field(init=False)
    h2: ParagraphStyle = field(init=False)
    h3: ParagraphStyle = field(init=False)

    def __post_init__(self) -> None:
        f = self.font
        self.body = ParagraphStyle("body", fontName=f, fontSize=9, leading=12.5)
        self.small = ParagraphStyle("small", fontName=f, fontSize=7.5, leading=10)
        self.cell = ParagraphStyle("cell", fontName=f, fontSize=8, leading=10, splitLongWords=1)
        self.head = ParagraphStyle("head", parent=self.cell, textColor=colors.white)
        self.title = ParagraphStyle("title", fontName=f, fontSize=16, leading=20, spaceAfter=6)
        self.h2 = ParagraphStyle(
            "h2", fontName=f, fontSize=12, leading=15, spaceBefore=8, keepWithNext=1
        )
        self.h3 = ParagraphStyle(
            "h3", fontName=f, fontSize=10, leading=13, spaceBefore=6, keepWithNext=1
        )


# --- formatting -------------------------------------------------------------------------------


def utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def local_text(value: dt.datetime) -> str:
    """The time in the display time zone (settings.TIME_ZONE), with its abbreviation."""
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or "")


def text_of(value: Any) -> str:
    """How a value prints: "—" for nothing, UTC for times, ISO dates, Decimals as stored."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _p(value: Any, style: ParagraphStyle) -> RLParagraph:
    return RLParagraph(escape(text_of(value)).replace("\n", "<br/>"), style)


# --- flowables --------------------------------------------------------------------------------


class _BarFlowable(Flowable):
    def __init__(self, fraction: float, width: float, font: str, caption: str) -> None:
        super().__init__()
        self.fraction = max(0.0, min(1.0, fraction))
        self.bar_width = width
        self.font = font
        self.caption = caption
        self.height = 12

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return avail_width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(colors.grey)
        c.setFillColor(colors.whitesmoke)
        c.rect(0, 2, self.bar_width, 8, fill=1, stroke=1)
        c.setFillColor(colors.HexColor("#2e7d32"))
        c.rect(0, 2, self.bar_width * self.fraction, 8, fill=1, stroke=0)
        c.setFillColor(colors.black)
        c.setFont(self.font, 8)
        c.drawString(self.bar_width + 6, 3, self.caption)


def _table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    width: float,
    styles: _Styles,
    weights: Sequence[float] | None = None,
) -> RLTable:
    weights = list(weights) if weights else [1.0] * len(columns)
    total = sum(weights)
    col_widths = [width * w / total for w in weights]
    data = [[_p(c, styles.head) for c in columns]]
    data += [[_p(v, styles.cell) for v in row] for row in rows]
    # splitInRow: a cell taller than a page (long notes) continues on the next page instead of
    # failing the whole document.
    table = RLTable(data, colWidths=col_widths, repeatRows=1, splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#37474f")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f5f6")]),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _facts(rows: Sequence[tuple[str, Any]], width: float, styles: _Styles) -> RLTable:
    data = [[_p(k, styles.cell), _p(v, styles.cell)] for k, v in rows]
    table = RLTable(data, colWidths=[width * 0.3, width * 0.7], splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eceff1")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def signature_rows(views: Sequence[Any]) -> list[list[str]]:
    """One row per signature: meaning, printed name, UTC time, local time, method, reason,
    validity (11.50(a): printed name, date and time, meaning)."""
    rows = []
    for v in views:
        sig = v.signature
        rows.append(
            [
                v.meaning_label,
                f"{sig.printed_name} ({sig.signer_username})",
                utc_text(sig.signed_at),
                local_text(sig.signed_at),
                sig.method,
                sig.reason or "—",
                _("valid") if v.valid else _("INVALID: content changed since signing"),
            ]
        )
    return rows


def _flowables(block: Block, width: float, styles: _Styles) -> list[Flowable]:
    out: list[Flowable] = []
    title = getattr(block, "title", "")
    if title:
        out.append(_p(title, styles.h3))
    if isinstance(block, Heading):
        out.append(_p(block.text, styles.h2 if block.level <= 2 else styles.h3))
    elif isinstance(block, Paragraph):
        out.append(_p(block.text, styles.small if block.small else styles.body))
    elif isinstance(block, Facts):
        out.append(_facts(block.rows, width, styles))
    elif isinstance(block, Table):
        if block.rows:
            out.append(_table(block.columns, block.rows, width, styles, block.widths))
        else:
            out.append(_p(block.empty or _("None."), styles.body))
    elif isinstance(block, Bar):
        fraction = float(block.fraction) if block.fraction is not None else 0.0
        out.append(_p(block.label, styles.body))
        out.append(_BarFlowable(fraction, width * 0.6, styles.font, block.caption))
    elif isinstance(block, Signatures):
        if block.signatures:
            columns = [
                _("Meaning"),
                _("Signed by"),
                _("Signed (UTC)"),
                _("Local time"),
                _("Method"),
                _("Reason"),
                _("Validity"),
            ]
            rows = signature_rows(block.signatures)
            out.append(_table(columns, rows, width, styles, [1.2, 1.8, 1.6, 1.6, 1.1, 1.4, 1.3]))
        else:
            out.append(_p(block.empty or _("Not signed yet."), styles.body))
    out.append(Spacer(1, 6))
    return out


# --- pages ------------------------------------------------------------------------------------


def _canvas_class(footer_left: str, font: str) -> type[Canvas]:
    """A canvas that holds every page until the end so each can print "page X of Y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            width, _height = PAGE_SIZE
            self.saveState()
            self.setFont(font, FOOTER_SIZE)
            self.setStrokeColor(colors.grey)
            self.line(MARGIN, MARGIN - 3 * mm, width - MARGIN, MARGIN - 3 * mm)
            self.drawString(MARGIN, MARGIN - 7 * mm, footer_left)
            self.drawRightString(
                width - MARGIN,
                MARGIN - 7 * mm,
                _("Page %(page)s of %(pages)s") % {"page": number, "pages": total},
            )
            self.restoreState()

    return NumberedCanvas


@dataclass(frozen=True)
class Rendered:
    """The bytes of a rendered document and how many pages it has."""

    content: bytes
    pages: int


def render(
    title: str,
    blocks: Sequence[Block],
    *,
    subtitle: str = "",
    content_sha256: str = "",
    generated_at: dt.datetime | None = None,
    compress: bool = True,
) -> Rendered:
    """Lay ``blocks`` out on A4 under ``title``; see :func:`render_pdf`."""
    font = _font()
    styles = _Styles(font)
    generated_at = generated_at or clock.now()
    footer = _("Generated %(time)s") % {"time": utc_text(generated_at)}
    if content_sha256:
        footer += " · " + _("content SHA-256 %(digest)s") % {"digest": content_sha256}

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author="MedERP",
        subject=content_sha256,
        pageCompression=1 if compress else 0,
    )
    width = doc.width - 12  # the frame's default padding, 6 pt each side
    story: list[Flowable] = [_p(title, styles.title)]
    if subtitle:
        story.append(_p(subtitle, styles.body))
        story.append(Spacer(1, 4))
    for block in blocks:
        story.extend(_flowables(block, width, styles))
    canvas_class = _canvas_class(footer, font)
    doc.build(story, canvasmaker=canvas_class)
    pages = doc.page
    return Rendered(buffer.getvalue(), pages)


def render_pdf(
    title: str,
    blocks: Sequence[Block],
    *,
    subtitle: str = "",
    content_sha256: str = "",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """A4 PDF of ``blocks`` under ``title``: page X of Y, generation time (UTC) and the record's
    content SHA-256 in every footer (21 CFR 11.10(b))."""
    return render(
        title,
        blocks,
        subtitle=subtitle,
        content_sha256=content_sha256,
        generated_at=generated_at,
    ).content
