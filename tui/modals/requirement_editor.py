"""Writing a requirement from one answer: the answer and the question's examples beside an
EARS pattern, the text, acceptance criteria (one per line) and a priority."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static, TextArea

from mlreq.bank import Question
from mlreq.projects.reqdrafts import RequirementDrafts
from mlreq.projects.requirements import PATTERNS, PRIORITIES
from mlreq.projects.safetext import visible

from .choice_modal import ChoiceModal

DRAFT_DELAY = 0.3
"""Seconds after the last change before the fields are written to their draft."""


def template(pattern: str) -> str:
    """The pattern's sentence with "the system" filled in, to be completed."""
    return PATTERNS[pattern].replace("<system>", "system").replace(" (any combination)", "")


def _typed(values: dict[str, Any]) -> bool:
    return values["text"] not in {"", *(template(p) for p in PATTERNS)} or bool(values["criteria"])


def _excerpt(text: str, lines: int = 4, width: int = 300) -> str:
    text = visible(text.strip())
    shown = "\n".join(text.splitlines()[:lines])[:width]
    return shown + (" …" if shown != text else "")


class RequirementEditor(ModalScreen[dict[str, Any] | None]):
    """Dismisses with {text, pattern, criteria, priority}, or None on escape.

    What is typed goes to a draft (`RequirementDrafts`) shortly after each change, so that
    quitting, a dropped connection or a refused write never loses it; Escape on typed text
    asks before throwing it away."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(
        self,
        question: Question,
        answer: str,
        values: dict[str, Any] | None = None,
        error: str = "",
        drafts: RequirementDrafts | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.answer = answer
        self.values = values or {}
        self.error = error
        self.drafts = drafts
        self.draft_failed: str | None = None
        """Why the last draft could not be written: then the fields are only on screen."""
        self._draft_timer: Timer | None = None

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

    @on(TextArea.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self.write_draft_now)

    def current_values(self) -> dict[str, Any]:
        criteria = self.query_one("#requirement-criteria", TextArea).text.splitlines()
        return {
            "text": self.query_one("#requirement-text", TextArea).text.strip(),
            "pattern": str(self.query_one("#requirement-pattern", Select).value),
            "criteria": [line.strip() for line in criteria if line.strip()],
            "priority": str(self.query_one("#requirement-priority", Select).value),
        }

    @property
    def typed(self) -> bool:
        """Whether anything was written beyond a pattern's bare template."""
        return _typed(self.current_values())

    def write_draft_now(self) -> None:
        """Keep the fields in their draft now (also on quitting and on signals)."""
        if self.drafts is None or not self.is_mounted:
            return
        values = self.current_values()
        if not _typed(values):
            return
        try:
            self.drafts.write(self.question.id, values)
        except OSError as exc:  # a full disk everywhere: say the text is only on screen
            self.draft_failed = exc.strerror or str(exc)
        else:
            self.draft_failed = None
        self._show_messages()

    def _show_messages(self) -> None:
        """Why the dialog is open again (a refused save) and where the text is, both: a failing
        draft must not hide the reason the save was refused."""
        lines = [self.error]
        if self.draft_failed is not None:
            lines.append(f"No draft could be written ({self.draft_failed}): this requirement is only on screen")
        self.query_one("#requirement-error", Static).update("\n".join(line for line in lines if line))

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = self.current_values()
        if not values["text"] or values["text"] in {template(p) for p in PATTERNS}:
            self.error = "Write the requirement's text first (complete the pattern)."
            self._show_messages()
            return
        self.write_draft_now()  # kept until requirements.toml holds it
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.typed:
            self._discard()
            return

        def decided(choice: str | None) -> None:
            if choice == "discard":
                self._discard()

        self.app.push_screen(ChoiceModal(
            f"Discard the requirement you wrote from {self.question.id}?",
            [("Keep writing it", "keep"), ("Discard it", "discard")],
        ), decided)

    def _discard(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        if self.drafts is not None:
            self.drafts.discard(self.question.id)
        self.dismiss(None)
