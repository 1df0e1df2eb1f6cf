"""Markdown: one table per stage with the columns of the thesis' paper form.

Answers are plain text, so every character that Markdown (CommonMark with GFM tables,
or pandoc's Markdown) would read as markup is escaped: a cell shows exactly what was typed,
and an answer can neither split its row, nor format itself, nor make a rendered page fetch
an image (`![x](https://...)` stays text).
"""

from __future__ import annotations

import html
import re

from .model import FormState, conflict_text, export_rows, front_page_sections, overall_tally, requirement_rows, shown

HEADER = "| Roles to ask | Requirement Question | Requirement Question Answer | Status | Examples |"
REQUIREMENTS_HEADER = "| ID | Requirement | Pattern | From questions | Challenges | Acceptance criteria | Priority | Status | Owner |"
# Inline markup of CommonMark, GFM and pandoc: escapes, code, emphasis, links and images,
# strikeout/subscript, table pipes, TeX math, superscript. A backslash before each (the
# backslash itself included) keeps `\|` from becoming an escaped backslash and a bare pipe.
_MARKUP = re.compile(r"([\\`*_\[\]!~|$^])")


def _indent(line: str) -> str:
    """Leading whitespace as entities: a table cell and HTML drop it, nested lists went flat."""
    body = line.lstrip()
    lead = line[: len(line) - len(body)]
    return "".join("&nbsp;" * 4 if c == "\t" else "&nbsp;" if c == " " else f"&#x{ord(c):X};" for c in lead) + body


# Ids, statuses, names: nothing in them to escape (the common case: cut short, a large
# requirements table spends most of its time escaping cells).
_PLAIN = re.compile(r"[A-Za-z0-9.,:()/-]+(?: [A-Za-z0-9.,:()/-]+)*")


def md_cell(text: str) -> str:
    """One table cell: markup and HTML escaped, control characters visible, lines joined by
    <br>, indentation kept, trailing blanks (invisible) dropped."""
    if _PLAIN.fullmatch(text):
        return text
    text = _MARKUP.sub(r"\\\1", html.escape(shown(text), quote=False))
    return "<br>".join(_indent(line.rstrip()) for line in text.split("\n")) if text else ""


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
        # What the paper form has no column for: why an answer needs review, and the other
        # side's text of a sync conflict not yet resolved.
        remarks = []
        for row in stage_rows:
            if row["review"].strip():
                remarks.append(f"- `{row['id']}` needs review: {md_cell(row['review'])}")
            if row["conflict"]:
                remarks.append(f"- `{row['id']}` other version (changed on both sides of a sync, not yet resolved): {md_cell(row['conflict'])}")
            if row["requirements"]:
                remarks.append(f"- `{row['id']}` requirements written from it: {', '.join(row['requirements'])}")
        if remarks:
            lines += ["", *remarks]
    if state.requirements:
        lines += ["", *requirements_section(state)]
    if sections := front_page_sections(form):
        lines += ["", "## About this form"]
        for heading, text in sections:
            lines += ["", f"### {md_cell(heading)}"]
            for paragraph in text.split("\n\n"):
                lines += ["", md_cell(paragraph)]
    return "\n".join(lines) + "\n"


def requirements_section(state: FormState) -> list[str]:
    """The requirements as one table in id order, then why any needs review and the other
    side's fields of a sync conflict; a retired one says so in its status."""
    rows = requirement_rows(state)
    lines = ["## Requirements", ""]
    if state.retired_left_out:
        lines += [f"Retired requirements left out: {state.retired_left_out}.", ""]
    if not rows:
        return [*lines, md_cell(state.requirements_note())]
    lines += [REQUIREMENTS_HEADER, "|---|---|---|---|---|---|---|---|---|"]
    remarks = []
    for row in rows:
        criteria = "\n".join(f"{n}. {c}" for n, c in enumerate(row["criteria"], 1)) if len(row["criteria"]) > 1 else "".join(row["criteria"])
        cells = [row["id"], row["text"], row["pattern"], ", ".join(row["from"]), ", ".join(row["challenges"]), criteria,
                 row["priority"], row["status"], row["owner_name"]]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
        if row["review"].strip():
            remarks.append(f"- {row['id']} needs review: {md_cell(row['review'])}")
        if row["conflict"]:
            remarks.append(f"- {row['id']} other version (changed on both sides of a sync, not yet resolved): {md_cell(conflict_text(row['conflict']))}")
    return [*lines, *(["", *remarks] if remarks else [])]
