"""Where the keys go, as the user sees it at 80x24 (issue 9, items 2 and 4).

Baselines in tests/tui/__snapshots__/test_snapshots_keys/; look at a new picture before
accepting it with `--snapshot-update`.
"""

from __future__ import annotations

from mlreq.projects import Project
from test_snapshots import still


def test_role_chosen_from_the_last_question(snap_compare, demo: Project, make_app) -> None:
    """Ctrl+F, "Domain expert" from the last question: the first of its three questions shows."""

    async def choose(pilot) -> None:  # type: ignore[no-untyped-def]
        await still(pilot)
        await pilot.press("ctrl+r")  # round to the last question
        await pilot.press("ctrl+f")
        await pilot.press("home", *["down"] * 6, "enter")  # All roles, then the roles in form order
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=choose)


def test_list_focused_footer(snap_compare, demo: Project, make_app) -> None:
    """Escape: the list has the keys; the footer shows its letters, the box says how to return."""

    async def to_list(pilot) -> None:  # type: ignore[no-untyped-def]
        await still(pilot)
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=to_list)
