"""Both versions of an answer that changed here and elsewhere; the user decides."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from mlreq.projects.safetext import visible


class ConflictModal(ModalScreen[str | None]):
    """Dismisses with "mine", "theirs" or "merge"; neither text is lost meanwhile."""

    BINDINGS = [
        Binding("m", "choose('mine')", "Keep mine"),
        Binding("t", "choose('theirs')", "Take theirs"),
        Binding("e", "choose('merge')", "Merge by hand"),
    ]

    def __init__(self, question: str, mine: str, theirs: str) -> None:
        super().__init__()
        self.question = question
        self.mine = mine
        self.theirs = theirs

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict", classes="dialog"):
            yield Static(f"This answer changed elsewhere while you edited it:\n{visible(self.question)}", markup=False, classes="dialog-title")
            with Horizontal(id="conflict-texts"):
                with Vertical():
                    yield Static("Yours", classes="column-title")
                    yield TextArea(visible(self.mine), read_only=True, soft_wrap=True, id="mine")
                with Vertical():
                    yield Static("Saved elsewhere", classes="column-title")
                    yield TextArea(visible(self.theirs), read_only=True, soft_wrap=True, id="theirs")
            with Horizontal(classes="buttons"):
                yield Button("Keep mine (m)", id="keep-mine", variant="primary")
                yield Button("Take theirs (t)", id="take-theirs")
                yield Button("Merge by hand (e)", id="merge")

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
