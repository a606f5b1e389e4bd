"""The printed documents (``shared.printing``): what is put in comes out as text of the PDF
(pdftotext) and of the DOCX, rare characters of names included; values are text, never
markup; a long table runs over pages that each carry the page footer."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess

import pytest

from shared import printing
from shared.printing import Document, Section, Table

RARE = "李𠀾"  # CJK Extension B (U+2003E)
VILLAGE = "禾𬌗村"  # Extension E (U+2C317)


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext reads it, without the spaces it puts between cells."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("pdftotext is missing (make chromium installs poppler-utils)")
        pytest.skip("pdftotext is missing (make chromium installs poppler-utils)")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", "", out)


def docx_text(data: bytes) -> str:
    """Every paragraph's and every table cell's text of a Word file."""
    import docx

    word = docx.Document(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return re.sub(r"\s+", "", "".join(parts))


def form(rows: int = 3) -> Document:
    return Document(
        title="基层锻炼工作成效表",
        subtitle="2026年11月",
        sections=[
            Section(facts=[("姓名", RARE), ("村（社区）", VILLAGE), ("派出单位", "<b>x</b>")]),
            Section(
                "明细",
                table=Table(
                    ["序号", "姓名", "金额（元）"],
                    [[i + 1, f"王{i + 1}", "1,200.00"] for i in range(rows)],
                    ["合计", f"{rows} 人", "3,600.00"],
                ),
            ),
        ],
        signatures=["填表人", "审核人"],
    )


def test_a_rare_name_and_every_value_come_out_of_the_pdf():
    text = pdf_text(printing.to_pdf(form()))
    for value in ("基层锻炼工作成效表", RARE, VILLAGE, "派出单位", "王3", "3,600.00", "填表人"):
        assert value in text
    assert "第1页共1页" in text


def test_a_rare_name_and_every_value_come_out_of_the_docx():
    data = printing.to_docx(form())
    text = docx_text(data)
    for value in ("基层锻炼工作成效表", RARE, VILLAGE, "派出单位", "王3", "3,600.00", "填表人"):
        assert value in text
    # Word takes the font of Chinese text from w:eastAsia
    import docx
    from docx.oxml.ns import qn

    normal = docx.Document(io.BytesIO(data)).styles["Normal"].element
    assert normal.rPr.rFonts.get(qn("w:eastAsia")) == printing.FONTS[0]


def test_markup_in_a_value_is_printed_as_text():
    assert "<b>x</b>" in pdf_text(printing.to_pdf(form()))
    assert "&lt;b&gt;" in printing.html(form())
    assert "<b>x</b>" in docx_text(printing.to_docx(form()))


def test_a_long_table_runs_over_pages_each_with_its_footer():
    text = pdf_text(printing.to_pdf(form(rows=120)))
    pages = re.findall(r"第(\d+)页共(\d+)页", text)
    assert len(pages) >= 3
    assert [int(p) for p, _n in pages] == list(range(1, len(pages) + 1))
    assert {n for _p, n in pages} == {str(len(pages))}
    assert "王120" in text and "合计" in text


def test_missing_fonts_are_an_error_not_boxes(monkeypatch):
    monkeypatch.setattr(printing, "FONTS", ("No Such Font Family",))
    printing._fonts_installed.cache_clear()
    with pytest.raises(printing.FontsMissing):
        printing.to_pdf(form())
    monkeypatch.undo()
    printing._fonts_installed.cache_clear()
