"""Change reports: what changed between two points, for people who will not read the form.

`mlreq diff FROM TO --format md|html`: grouped by stage, each changed question with its
old and new text (the changed words marked as <del>[-gone-]</del> and <ins>{+came+}</ins>,
readable without colour and on paper), status changes, who saved the change and when,
questions added to or removed from the form, then the requirements added, changed, retired
(`reqhistory`), each naming the questions it is written from. Every text from the project is escaped:
answers are hostile input, and a report is opened by people who trust it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from .htmlpage import h, page_head
from .model import shown

if TYPE_CHECKING:
    from ..history import History, LogEntry
    from ..reqhistory import RequirementChange
    from ..semdiff import FieldChange, ProjectDiff, QuestionChange

REPORT_FORMATS = ("md", "html")
KIND_LABELS = {"changed": "changed", "added": "new question", "removed": "question removed", "reworded": "question reworded"}
FIELD_LABELS = {"answer": "Answer", "notes": "Notes", "text": "Text", "criteria": "Acceptance criteria"}
REQUIREMENT_KINDS = {"added": "new requirement", "changed": "changed", "retired": "retired", "removed": "removed from the file"}
PLAIN_FIELDS = {"status": "Status", "pattern": "Pattern", "from": "Written from", "priority": "Priority", "owner": "Owner"}


@dataclass(frozen=True)
class End:
    """One end of the comparison."""

    label: str
    commit: str | None
    date: str


@dataclass(frozen=True)
class ChangeReport:
    project: str
    old: End
    new: End
    stages: tuple[tuple[str, str], ...]
    """(stage id, stage name) in the form's order: the report's sections."""
    changes: tuple[QuestionChange, ...]
    saves: dict[str, tuple[LogEntry, ...]]
    """The saves between the two ends naming each question, newest first."""
    errors: tuple[str, ...]
    requirements: tuple[RequirementChange, ...] = ()
    requirement_saves: dict[str, tuple[LogEntry, ...]] | None = None
    """The saves between the two ends naming each requirement, newest first."""

    def in_stage(self, stage: str) -> list[QuestionChange]:
        return [c for c in self.changes if c.stage == stage]


def change_report(history: History, diff: ProjectDiff, changes: list[QuestionChange],
                  requirements: list[RequirementChange] | tuple[RequirementChange, ...] = (),
                  requirement_errors: tuple[str, ...] = ()) -> ChangeReport:
    dates = history.commit_dates(diff.old.commit, diff.new.commit)
    saves: dict[str, list[LogEntry]] = {}
    requirement_saves: dict[str, list[LogEntry]] = {}
    for entry in history.saves_between(diff.old, diff.new):
        for qid in entry.questions:
            saves.setdefault(qid, []).append(entry)
        for requirement_id in entry.requirements:
            requirement_saves.setdefault(requirement_id, []).append(entry)
    stages: dict[str, str] = {}
    for form in (diff.new.form, diff.old.form, history.project.form):
        for stage in form.stages if form else ():
            stages.setdefault(stage.id, stage.name)
    for change in changes:
        stages.setdefault(change.stage, change.stage)
    return ChangeReport(
        project=history.project.name,
        old=End(diff.old.label, diff.old.commit, dates.get(diff.old.commit or "", "")),
        new=End(diff.new.label, diff.new.commit, dates.get(diff.new.commit or "", "")),
        stages=tuple(stages.items()),
        changes=tuple(changes),
        saves={qid: tuple(entries) for qid, entries in saves.items()},
        errors=diff.errors + tuple(requirement_errors),
        requirements=tuple(requirements),
        requirement_saves={rid: tuple(entries) for rid, entries in requirement_saves.items()},
    )


def _end_text(end: End) -> str:
    if end.commit is None:
        return f"{end.label} (the files on disk)"
    return f"{end.label} ({end.commit[:10]}{', ' + end.date[:10] if end.date else ''})"


def _who(report: ChangeReport, qid: str, requirement: bool = False) -> str:
    """"Ana (2026-11-19), Ben (2026-09-02); 3 saves": each author once, at their latest save."""
    entries = (report.requirement_saves or {}).get(qid, ()) if requirement else report.saves.get(qid, ())
    if not entries:
        return "not saved yet" if report.new.commit is None else ""
    latest: dict[str, str] = {}
    for entry in entries:  # newest first
        latest.setdefault(entry.author, entry.date[:10])
    people = ", ".join(f"{author} ({date})" for author, date in latest.items())
    return f"{people}; {len(entries)} save{'s' if len(entries) != 1 else ''}"


def _summary(report: ChangeReport) -> str:
    count = len(report.changes)
    kinds = (("added", "new"), ("removed", "removed"), ("reworded", "reworded"))
    counted = [f"{n} {label}" for kind, label in kinds if (n := sum(c.kind == kind for c in report.changes))]
    status = sum(any(f.field == "status" for f in c.fields) for c in report.changes)
    parts = [f"{count} question{'s' if count != 1 else ''} changed"] + counted
    if status:
        parts.append(f"{status} status change{'s' if status != 1 else ''}")
    if report.requirements:
        from ..reqhistory import RequirementsDiff

        return ", ".join(parts) + "; " + RequirementsDiff(report.requirements).summary() + "."
    return ", ".join(parts) + "."


# ---------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=])")


def _md_escaped(text: str) -> str:
    """Characters Markdown could act on (links, images, emphasis, lists), backslash-escaped;
    then &, < and > as entities, so no HTML from an answer is ever HTML."""
    return escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def md_text(text: str) -> str:
    """Inline Markdown showing exactly `text` (lines kept as hard breaks)."""
    return _md_runs([(text, "")])


def _md_runs(runs: list[tuple[str, str]]) -> str:
    """Text runs, each inside an optional tag ("del"/"ins"), as inline Markdown: hard line
    breaks, indentation and blank lines kept (as &nbsp;) so the paragraph never ends."""
    out: list[str] = []
    line_start, line_empty = True, True
    for text, tag in runs:
        if tag:
            out.append(f"<{tag}>" + ("\\[-" if tag == "del" else "\\{+"))
        for index, line in enumerate(shown(text).split("\n")):
            if index:
                out.append("&nbsp;\\\n" if line_empty else "\\\n")
                line_start, line_empty = True, True
            if line_start:
                body = line.lstrip(" ")
                out.append("&nbsp;" * (len(line) - len(body)))
                line = body
            if line:
                out.append(_md_escaped(line))
                line_start, line_empty = False, False
        if tag:
            out.append(("-\\]" if tag == "del" else "+\\}") + f"</{tag}>")
    return "".join(out)


def _md_words(field: FieldChange, keep: str) -> str:
    runs = [(op.text, "" if op.op == "equal" else "del" if op.op == "delete" else "ins") for op in field.words()]
    runs = [(text, tag) for text, tag in runs if tag in ("", {"delete": "del", "insert": "ins"}[keep])]
    return _md_runs(runs) or "*(empty)*"


def _quoted(text: str) -> list[str]:
    return ["> " + line for line in text.split("\n")]


def report_markdown(report: ChangeReport) -> str:
    lines = [
        f"# Changes in {md_text(report.project)}",
        "",
        f"From **{md_text(_end_text(report.old))}** to **{md_text(_end_text(report.new))}**: {md_text(_summary(report))}",
        "",
        "Removed words are shown as <del>\\[-removed-\\]</del>, added words as <ins>\\{+added+\\}</ins>.",
    ]
    for error in report.errors:
        lines += ["", f"**Warning:** {md_text(error)}"]
    for stage, name in report.stages:
        changes = report.in_stage(stage)
        if not changes:
            continue
        lines += ["", f"## {md_text(name)} ({len(changes)} changed)"]
        for change in changes:
            lines += ["", f"### {md_text(change.question_id)}: {md_text(change.text)}", ""]
            facts = [f"*{md_text(KIND_LABELS[change.kind])}*"]
            if who := _who(report, change.question_id):
                facts.append(f"changed by {md_text(who)}")
            lines.append(" · ".join(facts))
            if change.kind == "reworded":
                lines += ["", f"The question was: {md_text(change.old_text)}"]
            for field in change.fields:
                if field.field == "status":
                    lines += ["", f"Status: {md_text(field.old)} → **{md_text(field.new)}**"]
                    continue
                if field.field == "agreed_by":
                    lines += ["", f"Agreed by: {md_text(field.old or 'nobody')} → **{md_text(field.new or 'nobody')}**"]
                    continue
                label = FIELD_LABELS.get(field.field, field.field)
                lines += ["", f"**{md_text(label)} before:**", "", *_quoted(_md_words(field, "delete"))]
                lines += ["", f"**{md_text(label)} after:**", "", *_quoted(_md_words(field, "insert"))]
    if report.requirements:
        lines += ["", f"## Requirements ({len(report.requirements)} changed)"]
    for change in report.requirements:
        lines += ["", f"### {md_text(change.requirement_id)}: {md_text(' '.join(change.text.split()))}", ""]
        facts = [f"*{md_text(REQUIREMENT_KINDS[change.kind])}*", f"written from {md_text(', '.join(change.sources))}"]
        if who := _who(report, change.requirement_id, requirement=True):
            facts.append(f"changed by {md_text(who)}")
        lines.append(" · ".join(facts))
        if change.kind == "added":  # nothing to compare with: its fields, then its criteria
            values = {f.field: f.new for f in change.fields}
            lines += ["", " · ".join(f"{md_text(label)}: **{md_text(values[name])}**" for name, label in PLAIN_FIELDS.items()
                                     if values.get(name) and name != "from")]
            criteria = values.get("criteria", "").splitlines()
            lines += ["", f"**{md_text(FIELD_LABELS['criteria'])}:**", "", *(f"- {md_text(c)}" for c in criteria)] if criteria else []
            continue
        for field in change.fields:
            if field.field in PLAIN_FIELDS:
                label, old = PLAIN_FIELDS[field.field], f"{md_text(field.old)} → " if field.old else ""
                lines += ["", f"{md_text(label)}: {old}**{md_text(field.new or '(none)')}**"]
            elif not (field.field == "text" and change.kind in ("added", "removed")):
                label = FIELD_LABELS[field.field]
                lines += ["", f"**{md_text(label)} before:**", "", *_quoted(_md_words(field, "delete"))]
                lines += ["", f"**{md_text(label)} after:**", "", *_quoted(_md_words(field, "insert"))]
    if not report.changes and not report.requirements:
        lines += ["", "Nothing changed."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- HTML

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"
CSS = """
:root { --ink: #1d232b; --muted: #5b6673; --line: #d7dce2; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); background: #f4f6f8; }
.page { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
.qid { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: normal; color: var(--muted); }
.meta { color: var(--muted); margin: .1rem 0 .4rem; font-size: .9rem; }
.warning { border-left: 4px solid #c53030; padding: .2rem .6rem; background: #fff5f5; }
article { border: 1px solid var(--line); border-radius: .3rem; padding: .6rem .9rem; margin: .8rem 0;
  break-inside: avoid; page-break-inside: avoid; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
.side h4 { font-size: .85rem; margin: .3rem 0 .2rem; color: var(--muted); }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; padding: .45rem .6rem;
  background: #fbfcfd; border: 1px solid #e8ebef; border-radius: .25rem; }
del { background: #ffe3e3; color: #8c1d1d; text-decoration: line-through; }
ins { background: #dcf5e3; color: #1b5e34; text-decoration: underline; }
.mark { color: var(--muted); text-decoration: none; }
.status { font-weight: 600; }
@media (max-width: 45rem) { .sides { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  .page { max-width: none; padding: 0; }
  del, ins { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _sides_html(label: str, field) -> str:  # type: ignore[no-untyped-def]
    """A changed text field before and after, side by side (one above the other in print)."""
    return (
        '<div class="sides">'
        f'<div class="side"><h4>{label} before</h4><p class="text">{_html_words(field, "delete")}</p></div>'
        f'<div class="side"><h4>{label} after</h4><p class="text">{_html_words(field, "insert")}</p></div>'
        "</div>"
    )


def _html_words(field: FieldChange, keep: str) -> str:
    out = []
    for op in field.words():
        if op.op == "equal":
            out.append(h(op.text))
        elif op.op == keep == "delete":
            out.append(f'<del><span class="mark">[-</span>{h(op.text)}<span class="mark">-]</span></del>')
        elif op.op == keep == "insert":
            out.append(f'<ins><span class="mark">{{+</span>{h(op.text)}<span class="mark">+}}</span></ins>')
    return "".join(out)


def report_html(report: ChangeReport) -> str:
    title = f"Changes in {report.project}: {report.old.label} to {report.new.label}"
    body = [
        f"<h1>Changes in {h(report.project)}</h1>",
        f'<p class="meta">From <b>{h(_end_text(report.old))}</b> to <b>{h(_end_text(report.new))}</b>: {h(_summary(report))}</p>',
        '<p class="meta">Removed words are shown as <del><span class="mark">[-</span>removed<span class="mark">-]</span></del>, '
        'added words as <ins><span class="mark">{+</span>added<span class="mark">+}</span></ins>.</p>',
    ]
    body += [f'<p class="warning">Warning: {h(error)}</p>' for error in report.errors]
    for stage, name in report.stages:
        changes = report.in_stage(stage)
        if not changes:
            continue
        body.append(f'<section id="stage-{h(stage)}"><h2>{h(name)} ({len(changes)} changed)</h2>')
        for change in changes:
            body.append(f'<article id="q-{h(change.question_id)}">')
            body.append(f'<h3><span class="qid">{h(change.question_id)}</span> {h(change.text)}</h3>')
            facts = [f"<i>{h(KIND_LABELS[change.kind])}</i>"]
            if who := _who(report, change.question_id):
                facts.append(f"changed by {h(who)}")
            body.append(f'<p class="meta">{" · ".join(facts)}</p>')
            if change.kind == "reworded":
                body.append(f"<p>The question was: {h(change.old_text)}</p>")
            for field in change.fields:
                if field.field == "status":
                    body.append(f'<p class="status">Status: {h(field.old)} → {h(field.new)}</p>')
                    continue
                if field.field == "agreed_by":
                    body.append(f'<p class="status">Agreed by: {h(field.old or "nobody")} → {h(field.new or "nobody")}</p>')
                    continue
                label = h(FIELD_LABELS.get(field.field, field.field))
                body.append(_sides_html(label, field))
            body.append("</article>")
        body.append("</section>")
    if report.requirements:
        body.append(f'<section id="requirements"><h2>Requirements ({len(report.requirements)} changed)</h2>')
    for change in report.requirements:
        body.append(f'<article id="r-{h(change.requirement_id)}">')
        body.append(f'<h3><span class="qid">{h(change.requirement_id)}</span> {h(" ".join(change.text.split()))}</h3>')
        facts = [f"<i>{h(REQUIREMENT_KINDS[change.kind])}</i>", f"written from {h(', '.join(change.sources))}"]
        if who := _who(report, change.requirement_id, requirement=True):
            facts.append(f"changed by {h(who)}")
        body.append(f'<p class="meta">{" · ".join(facts)}</p>')
        if change.kind == "added":  # nothing to compare with: its fields, then its criteria
            values = {f.field: f.new for f in change.fields}
            shown_facts = (f"{h(label)}: {h(values[name])}" for name, label in PLAIN_FIELDS.items() if values.get(name) and name != "from")
            body.append(f'<p class="status">{" · ".join(shown_facts)}</p>')
            criteria = values.get("criteria", "").splitlines()
            if criteria:
                items = "".join(f"<li>{h(c)}</li>" for c in criteria)
                body.append(f"<h4>{h(FIELD_LABELS['criteria'])}</h4><ul>{items}</ul>")
            body.append("</article>")
            continue
        for field in change.fields:
            if field.field in PLAIN_FIELDS:
                old = f"{h(field.old)} → " if field.old else ""
                body.append(f'<p class="status">{h(PLAIN_FIELDS[field.field])}: {old}{h(field.new or "(none)")}</p>')
            elif not (field.field == "text" and change.kind in ("added", "removed")):
                label = h(FIELD_LABELS[field.field])
                body.append(_sides_html(label, field))
        body.append("</article>")
    if report.requirements:
        body.append("</section>")
    if not report.changes and not report.requirements:
        body.append("<p>Nothing changed.</p>")
    return "\n".join(
        [
            *page_head(title, CSP, CSS),
            '<body><main class="page">',
            *body,
            "</main></body>",
            "</html>",
        ]
    ) + "\n"


def render_report(report: ChangeReport, fmt: str) -> str:
    return report_markdown(report) if fmt == "md" else report_html(report)
