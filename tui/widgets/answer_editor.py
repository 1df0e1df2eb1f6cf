"""The answer box: a soft-wrapping editor that grows with its text."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location

from ..editor_text import shown_safely

EDITOR_LIMIT = 200_000
"""Characters above which the answer is shown read-only and edited in $EDITOR: a
soft-wrapped TextArea re-wraps the whole text per keystroke (about 2 s for 1 MB here).
Typing and pasting stop at the same limit, so the box never gets that slow."""


class AnswerEditor(TextArea):
    DEFAULT_CSS = """
    AnswerEditor {
        height: auto;
        min-height: 5;
        max-height: 100%;
    }
    """

    class Refused(Message):
        """Typed or pasted text was not inserted; `reason` says why (the box is unchanged)."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)

    def _replace_via_keyboard(self, insert: str, start: Location, end: Location) -> EditResult | None:
        """Every key and paste passes here: keep the box safe to draw and within the limit."""
        if self.read_only:
            return None
        # Terminals send a paste's line breaks as CR; other control characters show as symbols.
        insert = shown_safely(insert.replace("\r\n", "\n").replace("\r", "\n"))
        length = sum(map(len, self.document.lines)) + len(self.document.lines) - 1  # no copy of the text
        replaced = len(self.get_text_range(*sorted((start, end)))) if start != end else 0
        size = length - replaced + len(insert)
        if len(insert) > replaced and size > EDITOR_LIMIT:
            what = "paste" if len(insert) > 1 else "typing"
            self.post_message(
                self.Refused(
                    f"Not inserted: the {what} would make the answer {size:,} characters, over the box's "
                    f"{EDITOR_LIMIT:,}; your text is unchanged. F4 edits long answers in $EDITOR."
                )
            )
            return None
        return self.replace(insert, start, end, maintain_selection_offset=False)
