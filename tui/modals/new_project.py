"""New project: name, folder and question set, validated before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from mlreq.bank import BUILTIN_FORMS
from mlreq.bank.errors import MlreqError
from mlreq.projects import check_project_name


@dataclass(frozen=True)
class NewProjectRequest:
    name: str
    folder: Path
    form: str


class NewProjectDialog(ModalScreen[NewProjectRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="new-project"):
            yield Static("New requirements project", classes="dialog-title")
            yield Input(placeholder="Name, e.g. Charger fault prediction", id="name")
            yield Input(value=str(self.start), placeholder="Folder", id="folder")
            yield Select(
                [(f"{v} (final form, 37 questions)" if v == "v3" else v, v) for v in BUILTIN_FORMS],
                value="v3",
                allow_blank=False,
                id="form",
            )
            yield Static("", id="new-project-error", markup=False)
            yield Button("Create", id="create", variant="primary")

    @on(Input.Changed, "#name")
    def _suggest_folder(self, event: Input.Changed) -> None:
        folder = self.query_one("#folder", Input)
        if folder.has_class("-edited"):
            return  # the user chose a folder: typing the name no longer moves it
        slug = "-".join(event.value.lower().split())[:60]
        folder.value = str(self.start / slug) if slug else str(self.start)

    @on(Input.Changed, "#folder")
    def _folder_edited(self, event: Input.Changed) -> None:
        if event.input.has_focus:
            event.input.add_class("-edited")

    @on(Input.Submitted)
    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        error = self.query_one("#new-project-error", Static)
        try:
            name = check_project_name(self.query_one("#name", Input).value)
        except MlreqError as exc:
            error.update(str(exc))
            return
        folder = Path(self.query_one("#folder", Input).value).expanduser()
        if (folder / "mlreq.toml").exists():
            error.update(f"{folder} is already a project")
            return
        self.dismiss(NewProjectRequest(name, folder, str(self.query_one("#form", Select).value)))

    def action_cancel(self) -> None:
        self.dismiss(None)
