"""The history screen as the reviewer sees it (issue 11 item 2), on a project whose commits
and iterations have fixed dates (the `reviewed` fixture), so the pictures never age.

Baselines in tests/tui/__snapshots__/test_snapshots_history/; look at a new picture before
accepting it with `--snapshot-update`. No picture shows a save's diff: its title names the
commit, whose hash changes with the project's creation time.
"""

from __future__ import annotations

from mlreq.projects import Project
from mlreq.tui.screens.history_screen import HistoryScreen
from mlreq.tui.widgets.diff_view import DiffView
from tui_helpers import settle, wait_until


def at_iteration(*keys: str):  # type: ignore[no-untyped-def]
    """F3, then the highlight on "After the data audit" (the list's third row), then `keys`."""

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await settle(app, pilot)  # tolerates a start-up worker replaced by a newer one
        app.screen.editor.cursor_blink = False
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.query_one("#history-points").option_count)
        await pilot.press("down", "down", *keys)
        diff = app.screen.query_one(DiffView)
        assert await wait_until(pilot, lambda: diff.summary.startswith("Up to ◆ After the data audit"))
        await settle(app, pilot)

    return run


def test_history_80x24(snap_compare, reviewed: Project, make_app) -> None:
    """The list above, the diff of an iteration below it across the screen: old above new."""
    assert snap_compare(make_app(reviewed), terminal_size=(80, 24), run_before=at_iteration())


def test_history_full_view_130x36(snap_compare, reviewed: Project, make_app) -> None:
    """Enter on a wide terminal: the diff alone, old and new side by side."""
    assert snap_compare(make_app(reviewed), terminal_size=(130, 36), run_before=at_iteration("enter"))
