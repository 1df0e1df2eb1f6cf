"""Asks once who is typing when git has no identity, so commits never say root@host."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from projects import Identity


class IdentityPrompt(ModalScreen[Identity | None]):
    BINDINGS = [Binding("escape", "cancel", "Later")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="identity"):
            yield Static(
                "git does not know who you are. Your answers are saved on disk either way;\n"
                "to commit them under your name, tell mlreq (for this session):",
                classes="dialog-title",
            )
            yield Input(placeholder="Your name", id="name")
            yield Input(placeholder="you@example.com", id="email")
            yield Static("", id="identity-error", markup=False)
            yield Button("Use this name", id="ok", variant="primary")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        email = self.query_one("#email", Input).value.strip()
        identity = Identity.parse(f"{name} <{email}>") if name and email else None
        if identity is None or "@" not in email:
            self.query_one("#identity-error", Static).update("Enter a name and an e-mail address.")
            return
        self.dismiss(identity)

    def action_cancel(self) -> None:
        self.dismiss(None)
