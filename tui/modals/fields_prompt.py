"""A small form in a dialog: a few labelled inputs, checked before it closes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


@dataclass(frozen=True)
class Field:
    id: str
    placeholder: str
    value: str = ""
    required: str = ""
    """The message shown when the field is left empty ("" = optional)."""


class FieldsPrompt(ModalScreen[Any]):
    """Dismisses with `finish(values)`, or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: list[Field], button: str) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.button = button

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            for field in self.fields:
                yield Input(value=field.value, placeholder=field.placeholder, id=f"field-{field.id}")
            yield Static("", id="prompt-error", markup=False)
            yield Button(self.button, id="ok", variant="primary")

    def finish(self, values: dict[str, str]) -> Any:
        """The dialog's result; raise ValueError with a message to keep it open."""
        return values

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        values = {f.id: self.query_one(f"#field-{f.id}", Input).value.strip() for f in self.fields}
        missing = next((f.required for f in self.fields if f.required and not values[f.id]), "")
        try:
            if missing:
                raise ValueError(missing)
            result = self.finish(values)
        except ValueError as exc:
            self.query_one("#prompt-error", Static).update(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
