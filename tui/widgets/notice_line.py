"""What the form screen has to tell the user, in lines of its own above the save status.

Toasts float over the bottom right of the screen, which at 80x24 is the answer box: they
hid what was being typed, and a sync stacked three of them. Notices here take room from
the form instead of covering it, say the newest thing first, and coalesce: a notice of
work in progress ("Syncing…") gives way to the next one, the same text is shown once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.widgets import Static

NOTICE_SECONDS = 5.0
SHOWN_AT_ONCE = 3


@dataclass(frozen=True)
class Notice:
    text: str
    severity: str
    until: float

    @property
    def in_progress(self) -> bool:
        return self.text.endswith("…")


class NoticeLine(Static):
    DEFAULT_CSS = """
    NoticeLine {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $panel;
        color: $text-accent;
        display: none;
    }
    NoticeLine.-warning { color: $text-warning; }
    NoticeLine.-error { color: $text-error; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.notices: list[Notice] = []
        """Newest first."""

    def show(self, text: str, severity: str = "information", timeout: float | None = None) -> None:
        seconds = NOTICE_SECONDS if timeout is None else timeout
        kept = [n for n in self._alive() if n.text != text and not n.in_progress]
        self.notices = [Notice(text, severity, time.monotonic() + seconds), *kept][:SHOWN_AT_ONCE]
        self._redraw()
        self.set_timer(seconds + 0.05, self._redraw)

    @property
    def text(self) -> str:
        return " · ".join(n.text for n in self.notices)

    def _alive(self) -> list[Notice]:
        now = time.monotonic()
        return [n for n in self.notices if n.until > now]

    def _redraw(self) -> None:
        self.notices = self._alive()
        severities = {n.severity for n in self.notices}
        self.set_class("error" in severities, "-error")
        self.set_class("warning" in severities and "error" not in severities, "-warning")
        self.update(self.text)
        self.display = bool(self.notices)
