"""The XLSX prints readably: rows tall enough for their wrapped answers, landscape, all
columns on one page's width, the header row repeated on every page. Checked in the file
(openpyxl) and, where LibreOffice is installed, in the PDF it prints."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mlreq.bank import DEFAULT_FORM, builtin_form
from mlreq.projects.answers import Entry
from mlreq.projects.exports import FormState, render
from mlreq.projects.exports.xlsx import LINE_HEIGHT

FORM = builtin_form(DEFAULT_FORM)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")


def _long_answers() -> FormState:
    """Every question answered with eight lines, each line a word that names its row."""
    entries = {
        q.id: Entry(answer="\n".join(f"q{n}line{k} of the answer" for k in range(8)), status="draft")
        for n, q in enumerate(FORM.questions)
    }
    return FormState("Print test", FORM, entries)


def test_xlsx_print_settings_and_row_heights():
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(render(_long_answers(), "xlsx")))

    for stage in FORM.stages:
        sheet = workbook[stage.name]
        assert sheet.page_setup.orientation == "landscape"
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"
        for row in range(2, sheet.max_row + 1):
            assert sheet.row_dimensions[row].height >= 8 * LINE_HEIGHT, (stage.name, row)
    assert workbook["Summary"].sheet_properties.pageSetUpPr.fitToPage
    unanswered = load_workbook(io.BytesIO(render(FormState("Empty", FORM, {}), "xlsx")))["Scoping"]
    heights = [unanswered.row_dimensions[row].height for row in range(2, unanswered.max_row + 1)]
    assert min(heights) <= 2 * LINE_HEIGHT + 3  # short rows stay short (the hidden stamp column takes no room)


def _words(bbox_html: str) -> list[tuple[int, str, float, float]]:
    """(page, word, yMin, yMax) of every word in `pdftotext -bbox` output."""
    found = []
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", bbox_html).replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    for number, page in enumerate(root.iter("page"), start=1):
        for word in page.iter("word"):
            found.append((number, word.text or "", float(word.get("yMin")), float(word.get("yMax"))))
    return found


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (soffice): the PDF print is not checked")
def test_libreoffice_prints_rows_apart_with_the_header_on_every_page(tmp_path: Path):
    workbook = tmp_path / "print.xlsx"
    workbook.write_bytes(render(_long_answers(), "xlsx"))

    run = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook)],
        capture_output=True, text=True, timeout=180,
    )

    pdf = tmp_path / "print.pdf"
    assert run.returncode == 0 and pdf.exists(), run.stdout + run.stderr
    if PDFTOTEXT is None:  # the PDF at least has pages
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())) >= 5
        pytest.skip("pdftotext (poppler-utils) is not installed: the page layout is not checked")
    words = _words(subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    rows: dict[int, list[tuple[int, float, float]]] = {}
    for page, text, top, bottom in words:
        if match := re.fullmatch(r"q(\d+)line\d", text):
            rows.setdefault(int(match.group(1)), []).append((page, top, bottom))
    assert sorted(rows) == list(range(len(FORM.questions)))  # every answer printed
    assert all(len(lines) == 8 for lines in rows.values())  # every line of it
    # Rows never print over each other: on a page, each row's lines end before the next row's begin.
    for n in range(len(FORM.questions) - 1):
        for page, _, bottom in rows[n]:
            next_tops = [top for p, top, _ in rows[n + 1] if p == page]
            assert not next_tops or bottom <= min(next_tops), f"row q{n} overlaps q{n + 1} on page {page}"
    # The header row repeats on every page of a stage sheet.
    stage_pages = {page for lines in rows.values() for page, _, _ in lines}
    header_pages = {page for page, text, _, _ in words if text == "Requirement" }
    assert stage_pages <= header_pages
    assert len(stage_pages) > len(FORM.stages)  # some stage took more than one page
