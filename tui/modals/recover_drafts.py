"""Offers back what was typed but never saved (a crash, a kill, a dropped connection)."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mlreq.projects.drafts import Draft
from mlreq.projects.safetext import visible


class RecoverDrafts(ModalScreen[bool | None]):
    """Dismisses True to restore the drafts as answers, False to discard them, None to decide later."""

    BINDINGS = [Binding("escape", "later", "Decide later")]
    AUTO_FOCUS = "#restore"  # Enter restores, as the highlighted button promises

    def __init__(self, drafts: list[Draft], flags: list[str] | None = None) -> None:
        super().__init__()
        self.drafts = drafts
        self.flags = flags or []
        """Answered questions that restoring would mark needs-review (they build on these)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="recover"):
            yield Static(
                f"Unsaved text from an earlier session ({len(self.drafts)} answer(s)):", classes="dialog-title"
            )
            with VerticalScroll(id="recover-list"):
                for draft in self.drafts:
                    when = datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M")
                    preview = visible(draft.text.strip())[:300]
                    yield Static(f"{draft.question_id}  (typed {when})\n{preview}", markup=False, classes="draft")
            if self.flags:
                shown = ", ".join(self.flags[:4]) + (f" and {len(self.flags) - 4} more" if len(self.flags) > 4 else "")
                yield Static(f"Restoring marks for review what builds on them: {shown}", markup=False, id="recover-flags")
            with Horizontal(classes="buttons"):
                yield Button("Restore and save", id="restore", variant="primary")
                yield Button("Discard", id="discard", variant="error")
                yield Button("Later (esc)", id="later")

    @on(Button.Pressed, "#restore")
    def _restore(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#discard")
    def _discard(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#later")
    def _later(self) -> None:
        self.dismiss(None)

    def action_later(self) -> None:
        self.dismiss(None)  # the drafts stay on disk and are offered again next time
