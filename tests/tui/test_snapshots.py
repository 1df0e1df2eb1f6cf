"""What the main screens look like on the demo project (pytest-textual-snapshot).

Baselines live in tests/tui/__snapshots__/; after a deliberate change of the layout, look
at the new pictures and accept them with `pytest tests/tui/test_snapshots.py
--snapshot-update`. Nothing on these screens depends on the clock or on commit hashes:
the demo's dates are relative to today but never shown, no save runs before the picture
(the indicator would show a hash), and the editor's cursor does not blink.
"""

from __future__ import annotations

from mlreq.projects import Project
from mlreq.tui.screens.form_screen import FormScreen


async def still(pilot) -> None:  # type: ignore[no-untyped-def]
    """Stop the cursor blinking and let the first frame and its workers finish."""
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    screen = app.get_screen("form")
    assert isinstance(screen, FormScreen)
    screen.editor.cursor_blink = False
    await pilot.pause()


def test_form_screen_80x24(snap_compare, demo: Project, make_app) -> None:
    """The first Scoping question, answered by Ana, with the list of questions on the left."""
    assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=still)


def test_form_screen_120x40(snap_compare, demo: Project, make_app) -> None:
    """The same at 120x40: roles, examples and the answer visible together."""
    assert snap_compare(make_app(demo), terminal_size=(120, 40), run_before=still)


def test_form_screen_on_a_question_flagged_for_review(snap_compare, demo: Project, make_app) -> None:
    """data.privacy needs review: its note says why (journey 4)."""

    async def to_privacy(pilot) -> None:  # type: ignore[no-untyped-def]
        await still(pilot)
        pilot.app.get_screen("form").go_to("data.privacy")
        await pilot.pause()

    assert snap_compare(make_app(demo), terminal_size=(120, 40), run_before=to_privacy)


def test_progress_screen(snap_compare, demo: Project, make_app) -> None:
    """F2: counts per stage and role, and the open questions."""
    assert snap_compare(make_app(demo), press=["f2"], terminal_size=(80, 24), run_before=still)


def test_help_screen(snap_compare, demo: Project, make_app) -> None:
    """F1: the keys first, then the form's front page."""
    assert snap_compare(make_app(demo), press=["f1"], terminal_size=(80, 24), run_before=still)


def test_role_picker(snap_compare, demo: Project, make_app) -> None:
    """Ctrl+F: the ten roles with how many of their questions are answered."""
    assert snap_compare(make_app(demo), press=["ctrl+f"], terminal_size=(80, 24), run_before=still)


def test_role_filter_legal_team(snap_compare, demo: Project, make_app) -> None:
    """The interviewer's view: only the Legal team's three questions, across stages."""

    async def legal(pilot) -> None:  # type: ignore[no-untyped-def]
        await still(pilot)
        pilot.app.get_screen("form").role_filter = "legal-team"
        await pilot.pause()

    assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=legal)
