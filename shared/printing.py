"""Printable documents in the official layout, as PDF (WeasyPrint) and DOCX (python-docx).

A caller builds one :class:`Document` (title, facts, tables, signature lines) and renders it
with :func:`to_pdf` or :func:`to_docx`; the layout lives here once. Names may hold CJK
Extension B and E characters (𠀾, 𬌗) that the common Chinese fonts lack, so the font stack
falls back to BabelStone Han; when the fonts are not installed :func:`to_pdf` raises
:class:`FontsMissing` rather than print empty boxes. Nothing is fetched from the network.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup

#: The body font and the one that has the rare characters of names.
FONTS = ("WenQuanYi Micro Hei", "BabelStone Han")


class FontsMissing(RuntimeError):
    """The fonts a printed document needs are not installed (``make chromium``, the
    Dockerfile): the caller answers 503 with Retry-After rather than a document of boxes."""


@dataclass
class Table:
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    #: a last row set apart (合计), or None
    total_row: list | None = None
    #: each column's share of the width in percent, where one long column would squeeze
    #: the others
    widths: list[int] | None = None


@dataclass
class Section:
    heading: str = ""
    #: (label, value) pairs shown as a bordered grid
    facts: list[tuple[str, object]] = field(default_factory=list)
    table: Table | None = None
    paragraphs: list[str] = field(default_factory=list)
    #: one pair a row, for long texts (a form's answers)
    wide: bool = False


@dataclass
class Document:
    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    #: labels of the lines signed by hand at the bottom (审核人, 日期)
    signatures: list[str] = field(default_factory=list)
    footer: str = ""
    landscape: bool = False
    #: the page footer, with {page} and {pages}
    page_label: str = "第 {page} 页 共 {pages} 页"


def text(value) -> str:
    """A value as printed: an empty cell stays empty (a hand's signature goes there), an
    unknown one is a dash."""
    if value is None:
        return "—"
    return str(value)


def _pairs(doc: Document, section: Section) -> int:
    """Label/value pairs per row of a facts grid: two on a portrait page, three across, one
    for long texts."""
    if section.wide:
        return 1
    return 3 if doc.landscape else 2


# ---------------------------------------------------------------------------------- PDF

_HTML = Environment(autoescape=True).from_string(
    (Path(__file__).with_name("printing.html")).read_text(encoding="utf-8")
)


def _css_string(value: str) -> str:
    """A CSS string literal that cannot end the string or the ``<style>`` element."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return f'"{escaped}"'


def _page_label(template: str) -> str:
    """``第 {page} 页 共 {pages} 页`` as a CSS ``content`` of strings and counters."""
    parts: list[str] = []
    rest = template
    while rest:
        head, brace, tail = rest.partition("{")
        if head:
            parts.append(_css_string(head))
        if not brace:
            break
        name, _, rest = tail.partition("}")
        parts.append(f"counter({name})")
    return " ".join(parts)


def html(doc: Document) -> str:
    """The document as the HTML that :func:`to_pdf` prints (autoescaped)."""
    return _HTML.render(
        d=doc,
        text=text,
        pairs=functools.partial(_pairs, doc),
        fonts=Markup(", ".join(_css_string(f) for f in FONTS) + ", sans-serif"),
        page_label=Markup(_page_label(doc.page_label)),
    )


@functools.cache
def _fonts_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    families = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, timeout=20, check=False
    ).stdout.lower()
    return all(f.lower() in families for f in FONTS)


def check_fonts() -> None:
    """Raise :class:`FontsMissing` unless every font of :data:`FONTS` is installed."""
    if not _fonts_installed():
        _fonts_installed.cache_clear()  # installed later, seen at the next print
        raise FontsMissing(
            "fonts for printing are missing: " + ", ".join(FONTS) + " (make chromium installs "
            "fonts-wqy-microhei and fonts-babelstone-han)"
        )


def to_pdf(doc: Document) -> bytes:
    """The document as an A4 PDF; only ``data:`` URLs are fetched (none, in practice)."""
    check_fonts()
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html(doc), url_fetcher=fetcher).write_pdf()


# --------------------------------------------------------------------------------- DOCX


def _east_asian(style_or_run, family: str) -> None:
    """Word takes Chinese text's font from ``w:eastAsia``, not from the font's name."""
    from docx.oxml.ns import qn

    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), family)


def _grid(document, rows: list[list[str]], header: bool, bold_last: bool = False, widths=None):
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    table.style = "Table Grid"
    if widths:
        page = document.sections[0]
        usable = page.page_width - page.left_margin - page.right_margin
        table.autofit = False
    for i, values in enumerate(rows):
        cells = table.rows[i].cells
        for j, value in enumerate(values):
            cells[j].text = value
            if widths:
                cells[j].width = int(usable * widths[j] / 100)
            if (header and i == 0) or (bold_last and i == len(rows) - 1):
                for run in cells[j].paragraphs[0].runs:
                    run.bold = True
    return table


def to_docx(doc: Document) -> bytes:
    """The document as a Word file: the same title, facts, tables and signature lines."""
    from docx import Document as Word
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    word = Word()
    normal = word.styles["Normal"]
    normal.font.size = Pt(11)
    _east_asian(normal, FONTS[0])
    page = word.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    if doc.landscape:
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = page.page_height, page.page_width
    for side in ("left_margin", "right_margin"):
        setattr(page, side, Mm(18))

    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    run.bold = True
    run.font.size = Pt(18)
    if doc.subtitle:
        word.add_paragraph(doc.subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for s in doc.sections:
        pairs = _pairs(doc, s)
        if s.heading:
            word.add_paragraph().add_run(s.heading).bold = True
        if s.facts:
            rows = []
            for i in range(0, len(s.facts), pairs):
                row: list[str] = []
                for label, value in s.facts[i : i + pairs]:
                    row += [label, text(value)]
                rows.append(row + [""] * (2 * pairs - len(row)))
            _grid(word, rows, header=False)
        for p in s.paragraphs:
            word.add_paragraph(p)
        if s.table:
            rows = [list(s.table.columns)]
            rows += [[text(v) for v in r] for r in s.table.rows]
            if s.table.total_row:
                rows.append([text(v) for v in s.table.total_row])
            _grid(word, rows, True, bool(s.table.total_row), s.table.widths)
        word.add_paragraph()
    if doc.signatures:
        word.add_paragraph("        ".join(f"{s}：__________" for s in doc.signatures))
    if doc.footer:
        word.add_paragraph(doc.footer)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
