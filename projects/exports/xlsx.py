"""XLSX: a Summary sheet (progress per stage and role), one sheet per stage and a
Requirements sheet (when the project has requirements), for managers.

Every text cell is stored as a string cell, never as a formula or an error value, whatever it
starts with ("=cmd|' /C calc'!A0" stays text), and carries Excel's quote prefix so editing it
keeps it text. Control characters are shown as symbols (XML forbids most of them raw).
Written with openpyxl's streaming (write-only) workbook.
"""

from __future__ import annotations

import io
import re
from copy import copy

from mlreq.bank import STATUSES

from .csvfile import FORMULA_START
from .model import (
    FormState,
    Tally,
    agreed_by_text,
    conflict_text,
    front_page_sections,
    overall_tally,
    requirement_rows,
    role_tallies,
    row_stamp,
    shown,
    stage_tallies,
)

MAX_CELL = 32767
"""Excel's limit on the characters in one cell."""
LINE_HEIGHT = 15.0
"""Points per line of 11-point Calibri, the default font: Excel's and LibreOffice's row unit."""
MAX_ROW_HEIGHT = 409.0
"""Excel's limit on a row's height in points."""

COLUMNS = (  # header, width in characters
    ("ID", 26),
    ("Roles to ask", 22),
    ("Requirement Question", 42),
    ("Requirement Question Answer", 64),
    ("Status", 13),
    ("Examples", 40),
    ("Notes", 30),
    ("Traces to", 12),
    ("Depends on", 24),
    ("Needs review because / other version", 36),
    ("Agreed by", 24),
    ("mlreq base (do not edit)", 10),
)
"""The last column is hidden: it stamps what answer, status and notes were (`row_stamp`);
`mlreq import` finds it last, so a new column goes before it."""
LETTERS = "ABCDEFGHIJKL"
ANSWER, STATUS, NOTES = 3, 4, 6
"""Where `mlreq import` reads an edited row (0-based columns)."""
SUMMARY_SHEET = "Summary"
ABOUT_SHEET = "About this form"
REQUIREMENTS_SHEET = "Requirements"
REQUIREMENT_COLUMNS = (  # header, width in characters
    ("ID", 10),
    ("Requirement", 60),
    ("Pattern", 11),
    ("From questions", 28),
    ("Challenges", 13),
    ("Acceptance criteria", 48),
    ("Priority", 9),
    ("Status", 13),
    ("Owner", 20),
    ("Needs review because / other version", 36),
)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_EDGES = re.compile(r"^[\s']+|[\s']+$")  # a sheet name may not start or end with an apostrophe
STATUS_NAMES = {"open": "Open", "draft": "Draft", "agreed": "Agreed", "needs-review": "Needs review"}


def sheet_titles(names: list[str]) -> list[str]:
    """Valid, unique worksheet names (at most 31 characters, none of []:*?/\\), never "Summary",
    "About this form" or "Requirements"."""
    taken = {SUMMARY_SHEET.casefold(), ABOUT_SHEET.casefold(), REQUIREMENTS_SHEET.casefold()}
    titles = []
    for name in names:
        base = _SHEET_EDGES.sub("", _SHEET_FORBIDDEN.sub("-", shown(name))[:31]) or "Stage"
        title, number = base, 2
        while title.casefold() in taken:
            suffix = f" ({number})"
            title = base[: 31 - len(suffix)] + suffix
            number += 1
        taken.add(title.casefold())
        titles.append(title)
    return titles


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide (an estimate
    on the safe side: proportional text fits more characters than the width says)."""
    per_line = max(int(width) - 1, 1)
    if len(text) <= per_line and "\n" not in text:
        return 1
    return sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))


def row_height(values: list[str], widths: list[float]) -> float:
    """A row tall enough for its longest wrapped cell: spreadsheets do not grow rows a file
    gives no height for when they print, so multi-line answers would print over each other."""
    lines = 1
    for value, width in zip(values, widths):  # a loop, not max() over a generator: 7,000 rows of 10 cells
        if len(value) >= width - 1 or "\n" in value:
            lines = max(lines, wrapped_lines(value, width))
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 3)


def review_and_conflict(entry) -> str:  # type: ignore[no-untyped-def]
    """Why the answer needs review and a sync conflict's other text, in one cell."""
    parts = []
    if entry.review.strip():
        parts.append(f"Needs review: {entry.review}")
    if entry.conflict:
        parts.append(f"Other version (changed on both sides of a sync, not yet resolved): {entry.conflict}")
    return "\n\n".join(parts)


def cell_text(text: str) -> str:
    text = shown(text)
    if len(text) > MAX_CELL:
        note = f" [… cut at {MAX_CELL} characters of {len(text)}; the JSON export has all]"
        text = text[: MAX_CELL - len(note)] + note
    return text


def fit_to_width(sheet, landscape: bool) -> None:  # type: ignore[no-untyped-def]
    """Print all columns on one page's width, as many pages down as the rows need."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _cells_as_given(sheet):  # type: ignore[no-untyped-def]
    """A write-only sheet's row conversion for rows of finished cells. openpyxl's own first
    tries each value as a plain value (a Cell raises ValueError, caught) and makes a spare
    cell after every styled one: half the time of a large sheet."""
    from openpyxl.cell import Cell, WriteOnlyCell

    def cells(values, row_index: int):  # type: ignore[no-untyped-def]
        for column, cell in enumerate(values, 1):
            if cell is None:
                continue
            if not isinstance(cell, Cell):
                cell = WriteOnlyCell(sheet, value=cell)
            cell.column, cell.row = column, row_index
            yield cell

    return cells


def export_xlsx(state: FormState) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    bold = Font(name="Calibri", bold=True)  # named: LibreOffice would print a nameless font as serif
    title_font = Font(name="Calibri", bold=True, size=14)
    header_fill = PatternFill("solid", start_color="DDE4EC")

    workbook = Workbook(write_only=True)

    def create_sheet(title: str):  # type: ignore[no-untyped-def]
        sheet = workbook.create_sheet(title)
        sheet._values_to_row = _cells_as_given(sheet)
        return sheet

    styles: dict[tuple, object] = {}

    def styled(cell, font, fill, align, quote: bool, number_format: str = ""):  # type: ignore[no-untyped-def]
        # Setting a style attribute hashes it into the workbook's tables; doing that once
        # per distinct style and copying the result halves the time for 2,000 questions.
        key = (id(font), id(fill), id(align), quote, number_format)
        style = styles.get(key)
        if style is None:
            cell.alignment = align
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if quote:
                cell.quotePrefix = True
            styles[key] = style = copy(cell._style)
        else:
            cell._style = style  # shared, never changed: a write-only cell is written and dropped
        return cell

    def text(sheet, value: str, *, font=None, fill=None, align=wrap, prepared: bool = False):  # type: ignore[no-untyped-def]
        cell = WriteOnlyCell(sheet, value=None)
        cell._value = value if prepared else cell_text(value)  # set directly: never inferred as a formula or an error
        cell.data_type = "s"
        return styled(cell, font, fill, align, value.startswith(FORMULA_START))

    def number(sheet, value: float, fmt: str = "0", font=None):  # type: ignore[no-untyped-def]
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = fmt
        return styled(cell, font, None, top, False, fmt)

    # ---------------------------------------------------------------- Summary
    summary = create_sheet(SUMMARY_SHEET)
    fit_to_width(summary, landscape=False)
    for letter, width in zip("ABCDEFGH", (30, 11, 9, 11, 9, 9, 9, 13)):
        summary.column_dimensions[letter].width = width
    total = overall_tally(state)
    form = state.form

    def heading(first: str) -> list:
        names = [first, "Answered", "Total", "Progress", *(STATUS_NAMES.get(s, s) for s in STATUSES)]
        return [text(summary, name, font=bold, fill=header_fill, align=top) for name in names]

    def tally_row(tally: Tally, font=None) -> list:  # type: ignore[no-untyped-def]
        return [
            text(summary, tally.name, font=font, align=top),
            number(summary, tally.answered, font=font),
            number(summary, tally.total, font=font),
            number(summary, tally.fraction, "0%", font=font),
            *(number(summary, tally.statuses.get(s, 0), font=font) for s in STATUSES),
        ]

    summary.append([text(summary, state.name, font=title_font, align=top)])
    summary.append([text(summary, f"{form.title} ({form.id}, version {form.version})", align=top)])
    scope = state.summary_line()
    summary.append([text(summary, scope[0].upper() + scope[1:] if scope else "All questions", align=top)])
    summary.append([text(summary, f"Exported {state.exported_at.strftime('%Y-%m-%d %H:%M UTC')}", align=top)])
    summary.append([])
    summary.append(heading("Stage"))
    for tally in stage_tallies(state):
        summary.append(tally_row(tally))
    summary.append(tally_row(total, font=bold))
    summary.append([])
    summary.append(heading("Role"))
    for tally in role_tallies(state):
        summary.append(tally_row(tally))

    # ---------------------------------------------------------------- one sheet per stage
    stages = stage_tallies(state)
    by_stage: dict[str, list] = {}
    for question in state.questions:
        by_stage.setdefault(question.stage, []).append(question)
    for tally, title in zip(stages, sheet_titles([t.name for t in stages])):
        sheet = create_sheet(title)
        for index, (_, width) in enumerate(COLUMNS):
            sheet.column_dimensions[LETTERS[index]].width = width
        sheet.column_dimensions[LETTERS[len(COLUMNS) - 1]].hidden = True
        sheet.freeze_panes = "A2"
        questions = by_stage[tally.id]
        sheet.auto_filter.ref = f"A1:{LETTERS[len(COLUMNS) - 2]}{len(questions) + 1}"
        sheet.print_title_rows = "1:1"  # the header row on every printed page
        fit_to_width(sheet, landscape=True)
        sheet.append([text(sheet, name, font=bold, fill=header_fill) for name, _ in COLUMNS])
        widths = [width for _, width in COLUMNS]
        for row_number, question in enumerate(questions, start=2):
            entry = state.entry(question.id)
            values = (
                question.id,
                ", ".join(state.role_names(question)),
                question.text,
                entry.answer,
                entry.status,
                question.examples,
                entry.notes,
                ", ".join(question.traces),
                ", ".join(question.depends_on),
                review_and_conflict(entry),
                agreed_by_text(state.form, question, entry),
            )
            shown_cells = (cell_text(entry.answer), cell_text(entry.status), cell_text(entry.notes))
            values = (*values, row_stamp(state, question.id, shown_cells))
            # A write-only sheet writes a row's height with the row: set it first (the hidden
            # stamp column takes no room).
            sheet.row_dimensions[row_number].height = row_height([cell_text(v) for v in values[:-1]], widths[:-1])
            sheet.append([text(sheet, value) for value in values])
    if not stages:
        sheet = create_sheet("No questions")
        sheet.append([text(sheet, "No question matches the filters of this export.")])

    # ---------------------------------------------------------------- requirements
    requirement_rows_xml = ""
    if state.requirements:
        sheet = create_sheet(REQUIREMENTS_SHEET)
        letters = LETTERS[: len(REQUIREMENT_COLUMNS)]
        for letter, (_, width) in zip(letters, REQUIREMENT_COLUMNS):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        rows = requirement_rows(state)
        sheet.auto_filter.ref = f"A1:{letters[-1]}{len(rows) + 1}"
        sheet.print_title_rows = "1:1"
        fit_to_width(sheet, landscape=True)
        sheet.append([text(sheet, name, font=bold, fill=header_fill) for name, _ in REQUIREMENT_COLUMNS])
        # The body is written as XML after the save (`_insert_rows`): openpyxl spends about
        # 20 µs on each cell, and 5,000 requirements are 50,000 cells.
        style_ids = (text(sheet, "text").style_id, text(sheet, "=quoted").style_id)
        requirement_rows_xml = _requirement_rows_xml(state, rows, style_ids)

    # ---------------------------------------------------------------- the form's front page
    sections = front_page_sections(form)
    if sections:
        about = create_sheet(ABOUT_SHEET)
        about.column_dimensions["A"].width = 110
        fit_to_width(about, landscape=False)
        about.append([text(about, form.front_page.title if form.front_page else form.title, font=title_font, align=top)])
        row_number = 1
        for heading_text, body in sections:
            about.append([])
            about.append([text(about, heading_text, font=bold, align=top)])
            about.row_dimensions[row_number + 3].height = row_height([cell_text(body)], [110])
            about.append([text(about, body)])
            row_number += 3

    buffer = io.BytesIO()
    workbook.save(buffer)
    if requirement_rows_xml:
        return _insert_rows(buffer.getvalue(), REQUIREMENTS_SHEET, requirement_rows_xml)
    return buffer.getvalue()


def _requirement_rows_xml(state: FormState, rows: list[dict], style_ids: tuple[int, int]) -> str:
    """The Requirements sheet's rows after its header, as the `<row>` elements openpyxl
    writes: string cells (`inlineStr`) in the wrapped style (its quote-prefixed twin for a
    text that starts like a formula), empty cells left out, rows as tall as their text."""
    widths = [width for _, width in REQUIREMENT_COLUMNS]
    plain, quoted = style_ids
    out: list[str] = []

    def row_xml(number: int, values: list[str], height: float | None = None) -> str:
        cells = []
        for letter, value in zip(LETTERS, values):
            if value:
                space = ' xml:space="preserve"' if value != value.strip() else ""
                style = quoted if value.startswith(FORMULA_START) else plain
                cells.append(f'<c r="{letter}{number}" s="{style}" t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>')
        size = f' ht="{height:g}" customHeight="1"' if height else ""
        return f'<row r="{number}"{size}>{"".join(cells)}</row>'

    for number, row in enumerate(rows, start=2):
        remarks = [f"Needs review: {row['review']}"] if row["review"].strip() else []
        if row["conflict"]:
            remarks.append(f"Other version (changed on both sides of a sync, not yet resolved):\n{conflict_text(row['conflict'])}")
        values = [
            cell_text(value)
            for value in (
                row["id"], row["text"], row["pattern"], ", ".join(row["from"]), ", ".join(row["challenges"]),
                "\n".join(row["criteria"]), row["priority"], row["status"], row["owner_name"], "\n\n".join(remarks),
            )
        ]
        out.append(row_xml(number, values, row_height(values, widths)))
    notes = [] if rows else [state.requirements_note()]
    if state.retired_left_out:
        notes.append(f"Retired requirements left out of this export: {state.retired_left_out}.")
    for number, note in enumerate(notes, start=len(rows) + 2 + (1 if rows else 0)):
        out.append(row_xml(number, [cell_text(note)]))
    return "".join(out)


_XML_FORBIDDEN = re.compile(r"[\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    """Text for an XML element: markup escaped; the few characters XML 1.0 forbids that
    `cell_text` leaves (U+FFFE, U+FFFF, lone surrogates) as visible code points."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text.isascii():  # what XML forbids here is never ASCII: skip the search (50,000 cells)
        return text
    return _XML_FORBIDDEN.sub(lambda m: f"<U+{ord(m.group()):04X}>".replace("<", "&lt;").replace(">", "&gt;"), text)


def _insert_rows(data: bytes, sheet_title: str, rows_xml: str) -> bytes:
    """The workbook `data` with `rows_xml` appended to the sheet's rows (its part found
    through workbook.xml and its relationships); every other part copied as it was."""
    import xml.etree.ElementTree as ET
    import zipfile

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    relationship = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        sheets = ET.fromstring(source.read("xl/workbook.xml")).iter(f"{main}sheet")
        wanted = next(sheet.get(relationship) for sheet in sheets if sheet.get("name") == sheet_title)
        relations = ET.fromstring(source.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in relations if r.get("Id") == wanted)
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy_to:
            for info in source.infolist():
                content = source.read(info)
                if info.filename == part:
                    text = content.decode("utf-8")
                    end = text.rindex("</sheetData>")
                    content = (text[:end] + rows_xml + text[end:]).encode("utf-8")
                copy_to.writestr(info, content, compresslevel=1)  # re-deflating every part at level 6 was a third of a big export
    return out.getvalue()
