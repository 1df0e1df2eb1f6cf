"""Export the form from the app: a format and a file; the role filter in use applies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from mlreq.projects.exports import EXPORT_FORMATS, SUFFIXES

LABELS = {
    "html": "HTML page (for a browser; filters, prints well)",
    "xlsx": "Spreadsheet (XLSX: a summary and a sheet per stage)",
    "md": "Markdown (tables like the paper form)",
    "csv": "CSV (one row per question)",
    "json": "JSON (mlreq.export/1)",
    "reqif": "ReqIF 1.2 (DOORS, Polarion, Jama, StrictDoc)",
}


@dataclass(frozen=True)
class ExportRequest:
    fmt: str
    path: Path


class ExportDialog(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, folder: Path, stem: str, scope: str) -> None:
        super().__init__()
        self.folder = folder
        self.stem = stem
        self.scope = scope

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export"):
            yield Static(f"Export {self.scope}", classes="dialog-title", markup=False)
            yield Select([(LABELS[f], f) for f in ("html", "xlsx", "md", "csv", "json", "reqif") if f in EXPORT_FORMATS], value="html", allow_blank=False, id="export-format")
            yield Input(value=str(self.folder / f"{self.stem}.html"), id="export-path")
            yield Static("", id="export-error", markup=False)
            yield Button("Export", id="export-go", variant="primary")

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#export-path", Input)
        current = Path(path.value)
        path.value = str(current.with_suffix(SUFFIXES[str(event.value)]))

    @on(Input.Submitted)
    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        path = Path(raw).expanduser() if raw else None
        if path is None or path.is_dir() or not path.parent.is_dir():
            self.query_one("#export-error", Static).update("Give a file name in an existing folder.")
            return
        self.dismiss(ExportRequest(str(self.query_one("#export-format", Select).value), path))

    def action_cancel(self) -> None:
        self.dismiss(None)
