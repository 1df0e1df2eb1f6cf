"""The form with its answers as Markdown (like the thesis' tables), JSON or CSV."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass

from bank import Form

from .answers import EMPTY, Entry
from .project import Project
from .safetext import safe_json, visible

EXPORT_FORMATS = ("md", "json", "csv")
JSON_SCHEMA = "mlreq.export/1"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FormState:
    """What an export shows: a project's name, its question set and entries at one point."""

    name: str
    form: Form
    entries: dict[str, Entry]

    @classmethod
    def now(cls, project: Project) -> FormState:
        return cls(project.name, project.form, project.entries())


def export_rows(state: FormState) -> list[dict]:
    """One dict per question in form order: the JSON export's `questions` items."""
    form = state.form
    rows = []
    for question in form.questions:
        entry = state.entries.get(question.id, EMPTY)
        stage = form.stage(question.stage)
        rows.append(
            {
                "id": question.id,
                "stage": question.stage,
                "stage_name": stage.name if stage else question.stage,
                "question": question.text,
                "roles": [form.role(r).name for r in question.roles if form.role(r)],
                "role_ids": list(question.roles),
                "examples": question.examples,
                "answer": entry.answer,
                "status": entry.status,
                "notes": entry.notes,
                "traces": list(question.traces),
                "origin": question.origin,
            }
        )
    return rows


def export_json(state: FormState) -> str:
    form = state.form
    document = {
        "schema": JSON_SCHEMA,
        "project": state.name,
        "form": {"id": form.id, "title": form.title, "version": form.version},
        "questions": export_rows(state),
    }
    return safe_json(document) + "\n"


def _csv_cell(value: str) -> str:
    # A leading =, +, -, @ makes spreadsheets run the cell as a formula: quote it as text.
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(state: FormState) -> str:
    out = io.StringIO()
    columns = ["id", "stage", "roles", "question", "answer", "status", "notes", "examples"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in export_rows(state):
        row = {**row, "stage": row["stage_name"], "roles": ", ".join(row["roles"])}
        writer.writerow([_csv_cell(str(row[c])) for c in columns])
    return out.getvalue()


def _md_cell(text: str) -> str:
    text = html.escape(visible(text), quote=False).replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines()) if text else ""


def export_markdown(state: FormState) -> str:
    form = state.form
    rows = export_rows(state)
    answered = sum(1 for row in rows if row["answer"].strip())
    lines = [
        f"# {_md_cell(state.name)}",
        "",
        f"{form.title} ({form.id}): {answered} of {len(rows)} questions answered.",
    ]
    for stage in form.stages:
        lines += [
            "",
            f"## {stage.name}",
            "",
            "| Roles to ask | Requirement Question | Requirement Question Answer | Status | Examples |",
            "|---|---|---|---|---|",
        ]
        for row in rows:
            if row["stage"] == stage.id:
                cells = [", ".join(row["roles"]), row["question"], row["answer"], row["status"], row["examples"]]
                lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def export(state: FormState, fmt: str) -> str:
    return {"md": export_markdown, "json": export_json, "csv": export_csv}[fmt](state)
