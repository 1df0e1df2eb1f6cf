"""CSV: one row per question, the exact text of every field (tools read it back unchanged);
with `table="requirements"`, one row per requirement instead (a CSV holds one table).

`for_spreadsheet` is for people who open the file in Excel or LibreOffice rather than in a
tool: a cell that starts like a formula gets a leading `'`, so the spreadsheet shows it as
text instead of running it (OWASP's advice). That changes the data, so it is never the default.
"""

from __future__ import annotations

import csv
import io

from .model import FormState, agreed_by_text, conflict_text, export_rows, requirement_rows, row_stamp

COLUMNS = ["id", "stage", "roles", "question", "answer", "status", "notes", "examples", "depends_on", "review", "conflict", "agreed_by", "mlreq_base"]
"""`agreed_by`: the roles that agreed, "partly: ..." when not all the question's roles have.
`mlreq_base` stamps what the row's answer, status and notes were (see `row_stamp`)."""
REQUIREMENT_COLUMNS = ["id", "text", "pattern", "from", "challenges", "criteria", "priority", "status", "owner", "review", "conflict"]
"""`from` and `challenges`: ids, comma-separated; `criteria`: one acceptance criterion a line;
`owner`: the role's name; `conflict`: the other side's fields of a sync conflict, "field: value"
a line. The JSON export holds the lists as lists."""
TABLES = ("questions", "requirements")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
"""Excel reads a CSV as UTF-8 only when it starts with a byte order mark."""


def csv_cell(value: str) -> str:
    """The cell for a spreadsheet: a leading =, +, -, @ (or a tab or CR before one) makes
    spreadsheets run the cell as a formula; a leading apostrophe makes them show text."""
    return "'" + value if value.startswith(FORMULA_START) else value


def export_csv(state: FormState, *, for_spreadsheet: bool = False, bom: bool = False, table: str = "questions") -> str:
    out = io.StringIO()
    if bom:
        out.write(BOM)
    # RFC 4180's CR LF ends a record: the csv module quotes a field holding any character
    # of the line terminator, so a lone CR inside an answer is quoted too (with "\n" alone it
    # was not, and readers split the record there).
    writer = csv.writer(out, lineterminator="\r\n")
    cell = csv_cell if for_spreadsheet else str
    if table == "requirements":
        writer.writerow(REQUIREMENT_COLUMNS)
        for row in requirement_rows(state):
            row = {
                **row,
                "from": ", ".join(row["from"]),
                "challenges": ", ".join(row["challenges"]),
                "criteria": "\n".join(row["criteria"]),
                "owner": row["owner_name"],
                "conflict": conflict_text(row["conflict"]),
            }
            writer.writerow([cell(str(row[c])) for c in REQUIREMENT_COLUMNS])
        return out.getvalue()
    if table != "questions":
        raise ValueError(f"unknown CSV table {table!r}")
    writer.writerow(COLUMNS)
    for question, row in zip(state.questions, export_rows(state)):
        row = {
            **row,
            "stage": row["stage_name"],
            "roles": ", ".join(row["roles"]),
            "depends_on": ", ".join(row["depends_on"]),
            "conflict": row["conflict"] or "",
            "agreed_by": agreed_by_text(state.form, question, state.entry(question.id)),
            "mlreq_base": row_stamp(state, row["id"], (row["answer"], row["status"], row["notes"])),
        }
        writer.writerow([cell(str(row[c])) for c in COLUMNS])
    return out.getvalue()
