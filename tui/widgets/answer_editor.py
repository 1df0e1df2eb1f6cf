"""The answer box: a soft-wrapping editor that grows with its text."""

from __future__ import annotations

from textual.message import Message
from textual import on
from textual.binding import Binding
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

    BINDINGS = [
        # As in other text boxes: ctrl+home/end for the whole answer, ctrl+a selects it all.
        Binding("ctrl+home", "answer_start", "Start of answer", show=False),
        Binding("ctrl+end", "answer_end", "End of answer", show=False),
        Binding("ctrl+shift+home", "answer_start(True)", "Select to start", show=False),
        Binding("ctrl+shift+end", "answer_end(True)", "Select to end", show=False),
        Binding("ctrl+a", "select_all", "Select all", show=False),
    ]

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

    def action_answer_start(self, select: bool = False) -> None:
        self.move_cursor((0, 0), select=select)

    def action_answer_end(self, select: bool = False) -> None:
        self.move_cursor(self.document.end, select=select)

    # The box grows with its text inside the scrolling right pane; TextArea only scrolls
    # itself, so the pane must follow the cursor or long answers are typed below the screen.

    @on(TextArea.SelectionChanged)
    def _cursor_moved(self) -> None:
        self.call_after_refresh(self.reveal_cursor)

    def on_resize(self) -> None:
        self.call_after_refresh(self.reveal_cursor)

    # Where the keys go is always on screen: the box says so when it does not have them.
    TITLE = "Answer"
    TITLE_AWAY = "Answer · e or Enter to type here"

    def on_mount(self) -> None:
        self.border_title = self.TITLE if self.has_focus else self.TITLE_AWAY

    def on_focus(self) -> None:
        self.border_title = self.TITLE
        self.call_after_refresh(self.reveal_cursor)

    def on_blur(self) -> None:
        self.border_title = self.TITLE_AWAY

    def reveal_cursor(self) -> None:
        """Scroll the pane around the box so the cursor's row is on screen."""
        pane = self.parent
        if not self.has_focus or pane is None or not hasattr(pane, "scroll_to"):
            return
        row = self.cursor_screen_offset.y
        view = pane.content_region  # type: ignore[attr-defined]
        if row >= view.bottom:
            pane.scroll_to(y=pane.scroll_y + row - view.bottom + 1, animate=False, immediate=True)  # type: ignore[attr-defined]
        elif row < view.y:
            pane.scroll_to(y=max(0, pane.scroll_y - (view.y - row)), animate=False, immediate=True)  # type: ignore[attr-defined]
