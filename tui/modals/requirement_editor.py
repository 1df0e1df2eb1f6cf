"""Writing a requirement from one answer: the answer and the question's examples beside an
EARS pattern, the text, acceptance criteria (one per line) and a priority."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static, TextArea

from mlreq.bank import Question
from mlreq.projects.requirements import PATTERNS, PRIORITIES
from mlreq.projects.safetext import visible


def template(pattern: str) -> str:
    """The pattern's sentence with "the system" filled in, to be completed."""
    return PATTERNS[pattern].replace("<system>", "system").replace(" (any combination)", "")


def _excerpt(text: str, lines: int = 4, width: int = 300) -> str:
    text = visible(text.strip())
    shown = "\n".join(text.splitlines()[:lines])[:width]
    return shown + (" …" if shown != text else "")


class RequirementEditor(ModalScreen[dict[str, Any] | None]):
    """Dismisses with {text, pattern, criteria, priority}, or None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, question: Question, answer: str, values: dict[str, Any] | None = None, error: str = "") -> None:
        super().__init__()
        self.question = question
        self.answer = answer
        self.values = values or {}
        self.error = error

    def compose(self) -> ComposeResult:
        pattern = self.values.get("pattern", "ubiquitous")
        with Vertical(classes="dialog", id="requirement-editor"):
            yield Static(f"Requirement from {self.question.id}: {visible(self.question.text)}", classes="dialog-title", markup=False)
            with VerticalScroll(id="requirement-context"):
                yield Static(f"Answer: {_excerpt(self.answer) or '(not answered yet)'}", id="requirement-answer", markup=False)
                if self.question.examples.strip():
                    yield Static(f"Examples: {_excerpt(self.question.examples, 3, 200)}", id="requirement-examples", markup=False)
            with Horizontal(classes="requirement-choices"):
                yield Select([(f"{name}: {PATTERNS[name]}", name) for name in PATTERNS], value=pattern,
                             allow_blank=False, id="requirement-pattern")
                yield Select([(p, p) for p in PRIORITIES], value=self.values.get("priority", "medium"),
                             allow_blank=False, id="requirement-priority")
            yield TextArea(self.values.get("text", template(pattern)), id="requirement-text", soft_wrap=True)
            yield TextArea("\n".join(self.values.get("criteria", ())), id="requirement-criteria", soft_wrap=True)
            yield Static(self.error, id="requirement-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#requirement-text", TextArea).border_title = "text"
        self.query_one("#requirement-criteria", TextArea).border_title = "acceptance criteria, one per line"
        self.query_one("#requirement-text", TextArea).focus()

    @on(Select.Changed, "#requirement-pattern")
    def _pattern_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#requirement-text", TextArea)
        if box.text.strip() in {template(p) for p in PATTERNS}:  # untouched: follow the pattern
            box.text = template(str(event.value))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        text = self.query_one("#requirement-text", TextArea).text.strip()
        if not text or text in {template(p) for p in PATTERNS}:
            self.query_one("#requirement-error", Static).update("Write the requirement's text first (complete the pattern).")
            return
        criteria = [line.strip() for line in self.query_one("#requirement-criteria", TextArea).text.splitlines() if line.strip()]
        self.dismiss({
            "text": text,
            "pattern": str(self.query_one("#requirement-pattern", Select).value),
            "criteria": criteria,
            "priority": str(self.query_one("#requirement-priority", Select).value),
        })

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
