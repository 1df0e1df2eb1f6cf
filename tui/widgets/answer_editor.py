"""The answer box: a soft-wrapping editor that grows with its text."""

from __future__ import annotations

from textual.widgets import TextArea

EDITOR_LIMIT = 200_000
"""Characters above which the answer is shown read-only and edited in $EDITOR: a
soft-wrapped TextArea re-wraps the whole text per keystroke (about 2 s for 1 MB here)."""


class AnswerEditor(TextArea):
    DEFAULT_CSS = """
    AnswerEditor {
        height: auto;
        min-height: 5;
        max-height: 100%;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
