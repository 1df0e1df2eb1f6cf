"""Per-question changes with the changed words highlighted: old and new side by side where
the view is wide enough, one above the other where it is not; then the requirements added,
changed and retired between the same two points."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from mlreq.projects.safetext import visible
from mlreq.projects.reqhistory import RequirementChange, RequirementsDiff
from mlreq.projects.semdiff import FieldChange, ProjectDiff, QuestionChange, WordOp

SIDE_BY_SIDE_WIDTH = 100
"""Columns of the view itself (not the terminal) from which old and new stand side by side:
each side then gets about 48, enough for a sentence per line."""
DELETED, INSERTED = "strike red", "bold underline green"


def word_text(ops: list[WordOp], keep: str) -> Text:
    """One side of a word diff: `keep` is "delete" (old side), "insert" (new) or "both"."""
    text = Text()
    for op in ops:
        if op.op == "equal":
            text.append(visible(op.text))
        elif op.op == "delete" and keep in ("delete", "both"):
            text.append(visible(op.text), style=DELETED)
        elif op.op == "insert" and keep in ("insert", "both"):
            text.append(visible(op.text), style=INSERTED)
    return text


def _side(field: FieldChange, keep: str) -> Text:
    """One side of a field, or a line saying it was empty there."""
    if not (field.old if keep == "delete" else field.new).strip():
        return Text("(empty)", style="dim")
    return word_text(field.words(), keep)


class DiffView(VerticalScroll):
    """Shows a ProjectDiff; unchanged questions are never listed."""

    can_focus = True

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self._shown: tuple[ProjectDiff, str, RequirementsDiff] | None = None
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        yield Static("Choose a point in the history.", id="diff-summary", markup=False)

    @property
    def summary(self) -> str:
        """The line above the changes (what is compared, how many changed)."""
        return str(self.query_one("#diff-summary", Static).render())

    def show(self, diff: ProjectDiff, title: str, requirements: RequirementsDiff | None = None) -> None:
        self._shown = (diff, title, requirements or RequirementsDiff())
        self._render_diff()
        self.scroll_home(animate=False)

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None and (event.size.width >= SIDE_BY_SIDE_WIDTH) != self._wide:
            self._render_diff()  # crossed the width where the layout changes

    def _render_diff(self) -> None:
        assert self._shown is not None
        diff, title, requirements = self._shown
        self.remove_children(".diff-change")
        changes = diff.changes
        summary = f"{title}: {len(changes)} question(s) changed" if changes else f"{title}: no answer changed"
        if requirements.changes:
            summary += f"; {requirements.summary()}"
        errors = diff.errors + requirements.errors
        if errors:
            summary += "\n" + "\n".join(f"warning: {visible(e)}" for e in errors)
        self.query_one("#diff-summary", Static).update(summary)
        self._wide = self.size.width >= SIDE_BY_SIDE_WIDTH
        widgets = [self._change(change, self._wide) for change in changes]
        widgets += [self._requirement(change, self._wide) for change in requirements.changes]
        self.mount_all(widgets)

    def _requirement(self, change: RequirementChange, wide: bool) -> Static | Vertical:
        """A requirement's change: its id, kind and questions; short fields as old → new; its
        text and criteria word-diffed like an answer (an added one's text is the heading)."""
        head = Text(visible(change.requirement_id), style="bold")
        head.append(f"  [{change.kind} requirement]  {visible(' '.join(change.text.split()))}")
        head.append(f"\nwritten from {visible(', '.join(change.sources))}", style="italic")
        if change.kind == "added":  # nothing to compare with: its fields on one line
            facts = {f.field: f.new for f in change.fields}
            labels = {"status": "{}", "pattern": "{}", "priority": "{} priority", "owner": "owner {}"}
            head.append("\n" + " · ".join(label.format(visible(facts[name])) for name, label in labels.items() if facts.get(name)))
        for field in change.fields if change.kind != "added" else ():
            if field.field in ("text", "criteria"):
                continue
            if field.old and field.new:
                head.append(f"\n{field.field}: {visible(field.old)} → {visible(field.new)}")
            elif field.field != "from":
                head.append(f"\n{field.field}: {visible(field.new or field.old)}")
        texts = [f for f in change.fields if f.field in ("text", "criteria") and not (f.field == "text" and change.kind in ("added", "removed"))]
        return self._sides(head, texts, wide)

    def _change(self, change: QuestionChange, wide: bool) -> Static | Vertical:
        head = Text(f"{change.question_id}", style="bold")
        head.append(f"  [{change.kind}]  {visible(change.text)}")
        if change.kind == "reworded":
            head.append("\nquestion was: ", style="italic").append(visible(change.old_text))
        status = next((f for f in change.fields if f.field == "status"), None)
        if status:
            head.append(f"\nstatus: {status.old} → {status.new}")
        signed = next((f for f in change.fields if f.field == "agreed_by"), None)
        if signed:
            head.append(f"\nagreed by: {visible(signed.old or 'nobody')} → {visible(signed.new or 'nobody')}")
        texts = [f for f in change.fields if f.field not in ("status", "agreed_by")]
        return self._sides(head, texts, wide)

    def _sides(self, head: Text, texts: list[FieldChange], wide: bool) -> Static | Vertical:
        if not texts:
            return Static(head, classes="diff-change")
        if not wide:  # one above the other: before, then after
            body = Text()
            for field in texts:
                body.append(f"\n{field.field} before:\n", style="italic").append(_side(field, "delete"))
                body.append(f"\n{field.field} after:\n", style="italic").append(_side(field, "insert"))
            return Static(head + body, classes="diff-change")
        old, new = Text(), Text()
        for field in texts:
            old.append(f"{field.field} before:\n", style="italic").append(_side(field, "delete")).append("\n")
            new.append(f"{field.field} after:\n", style="italic").append(_side(field, "insert")).append("\n")
        sides = Horizontal(Static(old, classes="diff-old"), Static(new, classes="diff-new"), classes="diff-sides")
        return Vertical(Static(head), sides, classes="diff-change")
