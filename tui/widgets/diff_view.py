"""Per-question changes with the changed words highlighted: side by side when wide."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from mlreq.projects.safetext import visible
from mlreq.projects.semdiff import ProjectDiff, QuestionChange, WordOp

SIDE_BY_SIDE_WIDTH = 110
"""Terminal columns from which old and new are shown next to each other."""
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


class DiffView(VerticalScroll):
    """Shows a ProjectDiff; unchanged questions are never listed."""

    def compose(self) -> ComposeResult:
        yield Static("Choose a point in the history.", id="diff-summary", markup=False)

    def show(self, diff: ProjectDiff, title: str) -> None:
        self.remove_children(".diff-change")
        changes = diff.changes
        summary = f"{title}: {len(changes)} question(s) changed" if changes else f"{title}: no answer changed"
        if diff.errors:
            summary += "\n" + "\n".join(f"warning: {visible(e)}" for e in diff.errors)
        self.query_one("#diff-summary", Static).update(summary)
        wide = self.app.size.width >= SIDE_BY_SIDE_WIDTH
        self.mount_all([self._change(change, wide) for change in changes])
        self.scroll_home(animate=False)

    def _change(self, change: QuestionChange, wide: bool) -> Static | Vertical:
        head = Text(f"{change.question_id}", style="bold")
        head.append(f"  [{change.kind}]  {visible(change.text)}\n")
        if change.kind == "reworded":
            head.append("question was: ", style="italic").append(visible(change.old_text) + "\n")
        status = next((f for f in change.fields if f.field == "status"), None)
        if status:
            head.append(f"status: {status.old} → {status.new}\n")
        texts = [f for f in change.fields if f.field != "status"]
        if not wide or not texts:
            body = Text()
            for field in texts:
                body.append(f"{field.field}:\n", style="italic").append(word_text(field.words(), "both")).append("\n")
            return Static(head + body, classes="diff-change")
        old, new = Text(), Text()
        for field in texts:
            old.append(f"{field.field} before:\n", style="italic").append(word_text(field.words(), "delete")).append("\n")
            new.append(f"{field.field} after:\n", style="italic").append(word_text(field.words(), "insert")).append("\n")
        sides = Horizontal(Static(old, classes="diff-old"), Static(new, classes="diff-new"), classes="diff-sides")
        return Vertical(Static(head), sides, classes="diff-change")
