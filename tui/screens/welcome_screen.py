"""Started outside a project: recent projects, a new one, or the demo."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mlreq.projects.safetext import visible

from ..widgets.app_header import AppHeader

NEW, DEMO = "__new__", "__demo__"


class WelcomeScreen(Screen[str]):
    """Dismisses with a project folder, NEW or DEMO."""

    BINDINGS = [Binding("n", "choose('__new__')", "New project", id="new_project")]

    def __init__(self, recent: list[Path], here: Path) -> None:
        super().__init__()
        self.recent = recent
        self.here = here

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Vertical(id="welcome"):
            yield Static(
                f"{self.here} is not an mlreq project. Open a recent one, or start a new one.",
                markup=False,
                classes="dialog-title",
            )
            options = [Option(f"{visible(p.name)}  ({visible(str(p))})", id=str(p)) for p in self.recent]
            options += [Option("New project…", id=NEW), Option("Open the demo project", id=DEMO)]
            yield OptionList(*options, id="choices", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Welcome"
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
