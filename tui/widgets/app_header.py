"""Textual's Header, safe while its screen closes.

Header watches the app's and the screen's title and updates its HeaderTitle child; when a
title changes as the screen is being removed (F3, then Escape at once, in a burst) the
child is already gone and Textual's callback raises NoMatches, which ends the app. This
one skips the update then: there is nothing left to draw it on.
"""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.events import Mount
from textual.widget import NoScreen
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class AppHeader(Header):
    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # instead of Header's own handler (Textual would run both)

        async def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except (NoScreen, NoMatches):
                pass  # closing: the title widget is gone

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
