"""The right pane: the question, who to ask, examples, the answer box, why it matters."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from mlreq.bank import Form, Question
from mlreq.projects import Entry
from mlreq.projects.safetext import visible
from mlreq.projects.signoff import sign_off

from ..markers import LABELS, marker
from .answer_editor import AnswerEditor


def _first_sentence(text: str) -> str:
    cleaned = text.replace("**", "")
    head, dot, _ = cleaned.partition(". ")
    return head + dot.strip() if dot else cleaned


def why_it_matters(question: Question, form: Form) -> str:
    """The challenges and best practices a question answers (thesis table 5.1)."""
    lines = []
    for trace_id in question.traces:
        item = form.trace(trace_id)
        if item:
            kind = "challenge" if item.kind == "challenge" else "best practice"
            lines.append(f"{item.id} {item.title} ({kind}): {_first_sentence(item.description)}")
    if question.trace_note:
        lines.append(visible(question.trace_note.replace("**", "")))
    if question.origin == "mlreq":
        lines.append("This question is mlreq's addition, not the thesis'.")
    return "\n".join(lines) or "No traceability recorded."


class QuestionDetail(VerticalScroll):
    """Read-only facts about the question around an editable answer."""

    def compose(self) -> ComposeResult:
        yield Static(id="q-heading", markup=False)
        yield Static(id="q-text", markup=False)
        yield Static(id="q-roles", markup=False)
        yield Static(id="q-examples", markup=False)
        yield Static(id="q-review", markup=False)
        yield Static(id="q-presence", markup=False)
        yield AnswerEditor(id="answer")
        yield Static(id="q-ripple", markup=False)
        yield Static(id="q-notes", markup=False)
        yield Static(id="q-links", markup=False)
        yield Static(id="q-why", markup=False)

    @property
    def editor(self) -> AnswerEditor:
        return self.query_one(AnswerEditor)

    def show(self, question: Question, entry: Entry, form: Form, position: str) -> None:
        stage = form.stage(question.stage)
        roles = ", ".join(visible(form.role(r).name) for r in question.roles if form.role(r))
        status = f"{marker(entry.status)} {LABELS.get(entry.status, entry.status)}"
        signed = sign_off(form, question, entry)
        if signed.agreed:
            status += f" by {visible(signed.describe())}"
        self.query_one("#q-heading", Static).update(
            f"{visible(stage.name) if stage else question.stage} {position} · {status} · {question.id}"
        )
        self.query_one("#q-text", Static).update(visible(question.text))
        self.query_one("#q-roles", Static).update(f"Ask: {roles}")
        examples = self.query_one("#q-examples", Static)
        examples.update(f"Examples: {visible(question.examples)}" if question.examples else "")
        examples.display = bool(question.examples)
        notes = self.query_one("#q-notes", Static)
        notes.update(f"Notes: {visible(entry.notes)}" if entry.notes else "")
        notes.display = bool(entry.notes)
        review = self.query_one("#q-review", Static)
        if entry.conflict:
            review.update(f"Changed on both sides of a sync; the other version:\n{visible(entry.conflict)}\nPress v (in the list) to choose or merge.")
        elif entry.status == "needs-review":
            reason = f": {visible(entry.review)}" if entry.review else ""  # flagged by hand: no reason recorded
            review.update(f"Needs review{reason}. Edit the answer, or press ctrl+t if it still holds.")
        review.display = bool(entry.conflict) or entry.status == "needs-review"
        self.query_one("#q-links", Static).update(_links(question, form))
        why = "Why it matters\n" + why_it_matters(question, form)
        if question.impact:
            why += f"\nIf unanswered ({question.priority} priority, mlreq's assessment): {question.impact}"
        self.query_one("#q-why", Static).update(why)
        self.show_ripple([])

    def show_presence(self, line: str) -> None:
        """Who else is on this question (another terminal or browser); "" when nobody."""
        presence = self.query_one("#q-presence", Static)
        presence.update(line)
        presence.display = bool(line)

    def show_ripple(self, affected: list[str], further: list[str] | None = None, minor: bool = False) -> None:
        """Before a save: the answered questions it would flag, and those it may affect."""
        ripple = self.query_one("#q-ripple", Static)
        lines = []
        if minor:
            lines.append("Minor edit (F6 to undo): saving this flags nothing for review")
        elif affected:
            lines.append(f"If its meaning changes, saving flags for review: {', '.join(affected)} (F6: minor edit)")
        if further and not minor:
            lines.append(f"May be affected, not flagged: {', '.join(further)}")
        ripple.update("\n".join(lines))
        ripple.display = bool(lines)


def _links(question: Question, form: Form) -> str:
    def names(ids: tuple[str, ...]) -> str:
        return "; ".join(f"{qid} ({visible(form.question(qid).text)})" for qid in ids if form.question(qid))

    lines = []
    if question.depends_on:
        judged = f" (mlreq's judgement: {', '.join(question.judgement)})" if question.judgement else ""
        lines.append(f"Builds on: {names(question.depends_on)}{judged}")
    if form.dependents_of(question.id):
        lines.append(f"Needed by: {names(form.dependents_of(question.id))}")
    return "\n".join(lines)
