"""A one-line status: saved / saving / not saved / not committed, with where the text is."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from mlreq.projects.safetext import visible


class SaveIndicator(Static):
    """Shows the last save's outcome; CSS classes colour it (-saving, -failed)."""

    state: reactive[str] = reactive("saved")
    detail: reactive[str] = reactive("")

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)

    def render(self) -> str:
        symbol = {
            "saved": "✓ saved",
            "saving": "… saving",
            "unsaved": "✎ editing",
            "failed": "✗ not saved",  # the text is not in the answer file
            "uncommitted": "✗ not committed",  # it is in the answer file, not in git yet
        }
        head = symbol.get(self.state, self.state)
        return f"{head}: {visible(self.detail)}" if self.detail else head  # details quote file names

    def watch_state(self, state: str) -> None:
        for name in ("saved", "saving", "unsaved"):
            self.set_class(state == name, f"-{name}")
        self.set_class(state in ("failed", "uncommitted"), "-failed")
