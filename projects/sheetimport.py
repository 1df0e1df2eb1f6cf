"""`mlreq import`: answers typed into a spreadsheet export (XLSX or CSV) back into the project.

Every row of an export carries a stamp of what its answer, status and notes cells held
(`row_stamp`, the CSV's `mlreq_base` column, the XLSX's hidden last column). Reading a file
back, a row whose cells still match its stamp is unchanged; a changed row whose question
still holds what was exported is applied as its own commit; a changed row whose question
changed in the project since the export is not applied over it: both are kept, the
spreadsheet's answer as the question's conflict, as a sync keeps the other side's.

The file is checked whole before anything is written: moved or renamed columns, unknown
ids, a question twice, formulas, an unknown status, a file exported from another project
or from another form version each make one line, and then nothing is applied.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from mlreq.bank import STATUSES

from .answers import Entry
from .errors import ConflictError, InvalidInputError
from .exports import csvfile, xlsx
from .exports.model import FormState, row_stamp, state_key
from .project import Project, SaveResult

MAX_SHEET_BYTES = 50 * 1024 * 1024
CONFLICT_REASON = "changed in the project since the spreadsheet export it came back in; the spreadsheet's answer is kept as the other version"


class SheetImportError(InvalidInputError):
    """The file cannot be imported; `problems` says each reason (nothing was applied)."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        super().__init__(f"{path}: {problems[0]}{more}; nothing was imported")


@dataclass(frozen=True)
class SheetRow:
    """One question's row as read back."""

    question_id: str
    answer: str
    status: str
    notes: str
    stamp: str
    where: str
    """Where the row is, for messages: "Data!row 5" or "line 7"."""


@dataclass
class ImportOutcome:
    applied: list[tuple[str, SaveResult]] = field(default_factory=list)
    kept_both: list[tuple[str, SaveResult]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    """Rows not applied, with why: the file still holds them."""
    unchanged: int = 0


def read_rows(path: Path) -> list[SheetRow]:
    """The rows of an XLSX or CSV export, or SheetImportError listing every problem."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not path.is_file():
        raise InvalidInputError(f"{path}: not a regular file")
    if size > MAX_SHEET_BYTES:
        raise InvalidInputError(f"{path}: {size} bytes is more than an export of a form can be")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise InvalidInputError(f"{path}: import reads .xlsx or .csv files exported by `mlreq export`")


def _xlsx_rows(path: Path) -> list[SheetRow]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not a readable XLSX file ({exc})") from None
    header = [name for name, _ in xlsx.COLUMNS]
    rows: list[SheetRow] = []
    problems: list[str] = []
    try:
        for sheet in workbook.worksheets:
            if sheet.title in (xlsx.SUMMARY_SHEET, xlsx.ABOUT_SHEET, xlsx.REQUIREMENTS_SHEET, "No questions"):
                continue
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                values = [cell.value for cell in cells]
                for cell in cells:
                    if getattr(cell, "data_type", None) == "f":
                        problems.append(f"{sheet.title}!{cell.coordinate} holds a formula ({cell.value}): type text instead")
                if number == 1:
                    if [("" if v is None else str(v)) for v in values[: len(header)]] != header:
                        problems.append(f"sheet {sheet.title!r}: the columns are not the export's ({', '.join(header[:-1])}); put them back or export again")
                        break
                    continue
                if all(v is None or v == "" for v in values):
                    continue
                text = [("" if v is None else str(v)) for v in values] + [""] * len(header)
                rows.append(
                    SheetRow(text[0], text[xlsx.ANSWER], text[xlsx.STATUS], text[xlsx.NOTES], text[len(header) - 1], f"{sheet.title}!row {number}")
                )
    finally:
        workbook.close()
    if problems:
        raise SheetImportError(path, problems)
    return rows


def _csv_rows(path: Path) -> list[SheetRow]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header != csvfile.COLUMNS:
        raise SheetImportError(path, [f"the columns are not the export's ({', '.join(csvfile.COLUMNS)}); put them back or export again"])
    column = {name: index for index, name in enumerate(csvfile.COLUMNS)}
    rows = []
    for values in reader:
        if not any(values):
            continue
        values = values + [""] * (len(csvfile.COLUMNS) - len(values))
        rows.append(
            SheetRow(
                values[column["id"]], values[column["answer"]], values[column["status"]], values[column["notes"]],
                values[column["mlreq_base"]], f"line {reader.line_num}",
            )
        )
    return rows


def import_sheet(project: Project, path: Path) -> ImportOutcome:
    """Check the whole file, then apply each changed row as its own commit (see module doc)."""
    rows = read_rows(path)
    state = FormState.now(project)
    key, form = state_key(state), project.form
    shown = xlsx.cell_text if path.suffix.lower() == ".xlsx" else str
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        stamp_key, _, rest = row.stamp.partition("/")
        stamp_form = rest.rpartition("/")[0]
        if stamp_key != key:
            problems.append(f"{row.where}: not exported from this project (its mlreq base column is {row.stamp!r})")
            break
        if stamp_form != f"{form.id}@{form.version}":
            problems.append(f"{row.where}: exported from form {stamp_form}, the project now uses {form.id}@{form.version}; export again")
            break
        if form.question(row.question_id) is None:
            problems.append(f"{row.where}: unknown question id {row.question_id!r}")
        elif row.question_id in seen:
            problems.append(f"{row.where}: {row.question_id} appears twice")
        seen.add(row.question_id)
        if row.status not in STATUSES:
            problems.append(f"{row.where}: status {row.status!r} is not one of {', '.join(STATUSES)}")
    if problems:
        raise SheetImportError(path, problems)

    outcome = ImportOutcome()
    for row in rows:
        if row_stamp(state, row.question_id, (row.answer, row.status, row.notes)) == row.stamp:
            outcome.unchanged += 1
            continue
        current: Entry = state.entry(row.question_id)
        now = (shown(current.answer), shown(current.status), shown(current.notes))
        if now == (row.answer, row.status, row.notes):  # the project holds it already (imported before)
            outcome.unchanged += 1
            continue
        if row_stamp(state, row.question_id, now) == row.stamp:
            try:
                # Only what the reader changed: an answer typed under "open" becomes a draft as
                # in the app, and a cell left alone keeps the project's exact text.
                answer, status, notes = (new if new != old else None for new, old in zip((row.answer, row.status, row.notes), now))
                result = project.save(row.question_id, answer=answer, status=status, notes=notes, base=current)
            except ConflictError:  # changed by someone else while we imported
                result = None
            if result is not None:
                outcome.applied.append((row.question_id, result))
                continue
        if row.answer == now[0]:
            outcome.refused.append((row.question_id, "its status or notes changed in the project since the export; the spreadsheet's are not applied"))
        elif current.conflict and current.conflict != row.answer:
            # Its one slot for another version holds a sync's: writing there would lose text.
            outcome.refused.append((row.question_id, "it holds an unresolved sync conflict; settle it (`mlreq resolve`) and import again"))
        else:
            outcome.kept_both.append((row.question_id, project.keep_other_version(row.question_id, row.answer, CONFLICT_REASON)))
    return outcome
