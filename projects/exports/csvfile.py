"""CSV: one row per question, formula-looking cells quoted as text for spreadsheets."""

from __future__ import annotations

import csv
import io

from .model import FormState, export_rows

COLUMNS = ["id", "stage", "roles", "question", "answer", "status", "notes", "examples", "agreed_by"]
"""`agreed_by`: the roles that agreed, "partly: ..." when not all the question's roles have."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    # A leading =, +, -, @ (or a tab or CR before one) makes spreadsheets run the cell as
    # a formula: a leading apostrophe makes them show it as text instead (OWASP's advice).
    return "'" + value if value.startswith(FORMULA_START) else value


def export_csv(state: FormState) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in export_rows(state):
        agreed = ", ".join(row["agreed_by"])
        if row["sign_off"] == "partly":
            agreed = f"partly: {agreed}"
        row = {**row, "stage": row["stage_name"], "roles": ", ".join(row["roles"]), "agreed_by": agreed}
        writer.writerow([csv_cell(str(row[c])) for c in COLUMNS])
    return out.getvalue()
