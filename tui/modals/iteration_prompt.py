"""Name a new iteration (a milestone such as "Kick-off workshop") and say what happened."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class IterationPrompt(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (name, note), or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="iteration"):
            since = f" (the last one was {self.current!r})" if self.current else ""
            yield Static(f"Name this state of the requirements{since}:", classes="dialog-title", markup=False)
            yield Input(placeholder="e.g. Kick-off workshop", id="iteration-name")
            yield Input(placeholder="what happened (optional)", id="iteration-note")
            yield Static("", id="iteration-error", markup=False)
            yield Button("Name it", id="ok", variant="primary")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        name = self.query_one("#iteration-name", Input).value.strip()
        if not name:
            self.query_one("#iteration-error", Static).update("Give the iteration a name.")
            return
        self.dismiss((name, self.query_one("#iteration-note", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
