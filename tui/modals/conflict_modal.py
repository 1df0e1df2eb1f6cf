"""Both versions of an answer that changed here and elsewhere; the user decides."""

from __future__ import annotations

from textual import _time, events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from mlreq.projects.safetext import visible

from ..editor_text import shown_safely

MOMENTUM = 0.5
"""Seconds after the dialog opens in which keys are still typing meant for the answer."""

CAUSES = {
    # cause: (title, their column)
    "edit": ("Changed elsewhere while you edited it", "Saved elsewhere"),
    "sync": ("Changed on both sides of a sync", "The other side's"),
}


def _readable(answer: str) -> str:
    """An answer for a read-only TextArea: line breaks as lines, control characters as symbols."""
    return shown_safely(answer.replace("\r\n", "\n"))


class ConflictModal(ModalScreen[str | None]):
    """Dismisses with "mine", "theirs" or "merge"; neither text is lost meanwhile.

    `cause` says why there are two versions: "edit" (someone saved while this session
    typed) or "sync" (both sides of a sync changed the answer)."""

    BINDINGS = [
        Binding("m", "choose('mine')", "Keep mine"),
        Binding("t", "choose('theirs')", "Take theirs"),
        Binding("e", "choose('merge')", "Merge by hand"),
    ]

    def __init__(self, question: str, mine: str, theirs: str, cause: str = "edit") -> None:
        super().__init__()
        self.question = question
        self.mine = mine
        self.theirs = theirs
        self.cause = cause
        self.typed_on = ""
        """Characters typed in the dialog's first moment, added to `mine`."""

    def compose(self) -> ComposeResult:
        title, their_column = CAUSES[self.cause]
        with Vertical(id="conflict", classes="dialog"):
            yield Static(f"{title}: {visible(self.question)}", markup=False, classes="dialog-title")
            with Horizontal(id="conflict-texts"):
                with Vertical():
                    yield Static("Yours", classes="column-title")
                    yield TextArea(_readable(self.mine), read_only=True, soft_wrap=True, id="mine")
                with Vertical():
                    yield Static(their_column, classes="column-title")
                    yield TextArea(_readable(self.theirs), read_only=True, soft_wrap=True, id="theirs")
            with Horizontal(classes="buttons"):
                yield Button("Keep mine (m)", id="keep-mine", variant="primary")
                yield Button("Take theirs (t)", id="take-theirs")
                yield Button("Merge by hand (e)", id="merge")

    opened_at = float("inf")
    """When the dialog was mounted (Textual's clock, as in `Message.time`)."""

    @property
    def takes_keys(self) -> bool:
        return _time.get_time() >= self.opened_at + MOMENTUM

    def on_mount(self) -> None:
        self.query_one("#keep-mine", Button).focus()
        self.opened_at = _time.get_time()

    def on_key(self, event: events.Key) -> None:
        # The dialog opens while the user types: letters on their way, and those typed before
        # the user notices the dialog, were meant for the answer; "t" or "e" must not choose,
        # and they must not vanish either: they join "Yours", which "Keep mine" and "Merge by
        # hand" use.
        if event.time < self.opened_at + MOMENTUM:
            event.stop()
            event.prevent_default()
            typed = {"enter": "\n", "tab": "\t"}.get(event.key, event.character if event.is_printable else None)
            if typed:
                self.mine += typed
            elif event.key == "backspace" and self.typed_on:
                self.mine = self.mine[:-1]
            else:
                return
            self.typed_on = self.typed_on[:-1] if typed is None else self.typed_on + typed
            self.query_one("#mine", TextArea).load_text(_readable(self.mine))

    @on(Button.Pressed, "#keep-mine")
    def _mine(self) -> None:
        self.dismiss("mine")

    @on(Button.Pressed, "#take-theirs")
    def _theirs(self) -> None:
        self.dismiss("theirs")

    @on(Button.Pressed, "#merge")
    def _merge(self) -> None:
        self.dismiss("merge")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
