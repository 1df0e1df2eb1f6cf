"""Markdown: one table per stage with the columns of the thesis' paper form."""

from __future__ import annotations

import html

from .model import FormState, export_rows, overall_tally, shown

HEADER = "| Roles to ask | Requirement Question | Requirement Question Answer | Status | Examples |"


def md_cell(text: str) -> str:
    """One table cell: HTML and pipes escaped, control characters visible, lines joined by <br>."""
    text = html.escape(shown(text), quote=False).replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.split("\n")) if text else ""


def export_markdown(state: FormState) -> str:
    form = state.form
    rows = export_rows(state)
    total = overall_tally(state)
    lines = [
        f"# {md_cell(state.name)}",
        "",
        f"{md_cell(form.title)} ({md_cell(form.id)}): {total.answered} of {total.total} questions answered.",
    ]
    if summary := state.summary_line():
        lines += ["", md_cell(summary[0].upper() + summary[1:]) + "."]
    for stage in form.stages:
        stage_rows = [row for row in rows if row["stage"] == stage.id]
        if not stage_rows and state.filters.active:
            continue
        lines += ["", f"## {md_cell(stage.name)}", "", HEADER, "|---|---|---|---|---|"]
        for row in stage_rows:
            status = row["status"]
            if row["agreed_by"]:  # who agreed, in the status cell: the paper form has no column for it
                partly = "partly " if row["sign_off"] == "partly" else ""
                status += f" ({partly}by {', '.join(row['agreed_by'])})"
            cells = [", ".join(row["roles"]), row["question"], row["answer"], status, row["examples"]]
            lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
