"""Issue 10 item 7 in the app: on a detached HEAD (an iteration checked out) or mid-merge,
the app opens read-only with a line saying why and how to get back; nothing typed can be
lost because nothing can be typed, and nothing is written or committed."""

from __future__ import annotations

from textual.widgets import Static

from mlreq.projects import Project
from mlreq.tui.screens.form_screen import FormScreen
from tui_helpers import commit_count, git, git_status, notifications, screen_text, settle, text_of

FIRST = "scoping.business-problems"


def _files(project: Project) -> dict[str, bytes]:
    return {str(p.relative_to(project.root)): p.read_bytes() for p in project.root.rglob("*") if p.is_file() and ".git" not in p.parts}


async def test_on_a_detached_head_the_app_is_read_only_and_says_how_to_get_back(fresh: Project, make_app) -> None:
    assert fresh.save(FIRST, answer="Drivers find faults too late").ok
    git(fresh.root, "tag", "iteration/kick-off")
    git(fresh.root, "switch", "--quiet", "--detach", "iteration/kick-off")  # looking at an iteration
    files, commits = _files(fresh), commit_count(fresh.root)
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FormScreen)
        banner = text_of(screen.query_one("#read-only-banner", Static))
        assert banner.startswith("Read-only: no branch is checked out (detached HEAD at iteration/kick-off")
        assert "`git switch main`" in banner and "reopen mlreq" in banner
        assert "Read-only" in screen_text(app)  # on the terminal, not only in the widget tree
        assert screen.current == FIRST and app.focused is screen.editor and screen.editor.read_only

        await pilot.press(*" and more words", "enter", "ctrl+s")
        await settle(app, pilot)
        assert screen.editor.text == "Drivers find faults too late"  # no keystroke was taken, so none is lost

        await pilot.press("escape", "a")  # marking a status would be a save too
        await settle(app, pilot)
        assert any("Nothing can be saved now" in n and "git switch main" in n for n in notifications(app))
        await pilot.press("ctrl+q")
    assert commit_count(fresh.root) == commits
    assert _files(fresh) == files  # no answer, draft or lock written
    assert git_status(fresh.root) == "" and (fresh.root / ".git" / "HEAD").read_text().strip() != "ref: refs/heads/main"
    assert Project.open(fresh.root).entry(FIRST).status == "draft"


async def test_on_a_branch_there_is_no_banner_and_typing_works(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FormScreen)
        assert not screen.query("#read-only-banner") and not screen.editor.read_only
        await pilot.press(*"typed")
        assert screen.editor.text == "typed"

