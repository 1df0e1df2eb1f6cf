"""Issue 10 item 7 in the app: on a detached HEAD (an iteration checked out) or mid-merge,
the app opens read-only with a line saying why and how to get back; nothing typed can be
lost because nothing can be typed, and nothing is written or committed."""

from __future__ import annotations

import subprocess

from textual.widgets import Static

from mlreq.projects import Project
from mlreq.tui.screens.form_screen import FormScreen
from tui_helpers import commit_count, git, git_status, notifications, screen_text, settle, text_of

FIRST = "scoping.business-problems"


def _files(project: Project) -> dict[str, bytes]:
    """Every file of the project; not .mlreq/ (its git-ignored lock and drafts: a draft of
    unsaved words is insurance, not a change)."""
    return {
        str(p.relative_to(project.root)): p.read_bytes()
        for p in project.root.rglob("*")
        if p.is_file() and ".git" not in p.parts and ".mlreq" not in p.parts
    }


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
    assert _files(fresh) == files  # no answer written
    assert not list((fresh.root / ".mlreq").glob("drafts/*"))  # nothing could be typed, so no draft either
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



async def test_a_merge_started_while_the_app_is_open_keeps_the_text_and_says_why(
    fresh: Project, make_app, monkeypatch
) -> None:
    """The app opened on a branch; then the user starts a merge elsewhere. The save is
    refused before anything is written, and the words stay in the editor."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 600.0)
    root = fresh.root
    (root / "notes.txt").write_text("base\n")
    git(root, "add", "notes.txt")
    git(root, "commit", "--quiet", "-m", "notes")
    git(root, "switch", "--quiet", "-c", "other")
    (root / "notes.txt").write_text("theirs\n")
    git(root, "commit", "--quiet", "-am", "theirs")
    git(root, "switch", "--quiet", "main")
    (root / "notes.txt").write_text("ours\n")
    git(root, "commit", "--quiet", "-am", "ours")
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FormScreen) and not screen.query("#read-only-banner")
        subprocess.run(["git", "merge", "--quiet", "other"], cwd=root, capture_output=True)  # stops on the conflict
        (root / "notes.txt").write_text("resolved by hand\n")
        files, commits = _files(fresh), commit_count(root)

        await pilot.press(*"Typed during the merge", "ctrl+s")
        await settle(app, pilot)

        assert screen.indicator.state == "failed"
        assert "a merge is in progress" in screen.indicator.detail and "your text is on screen" in screen.indicator.detail
        assert screen.editor.text == "Typed during the merge"
    assert _files(fresh) == files and commit_count(root) == commits  # nothing written, nothing committed
    assert (root / ".git" / "MERGE_HEAD").exists() and (root / "notes.txt").read_text() == "resolved by hand\n"


async def test_a_project_on_a_read_only_filesystem_opens_read_only_with_a_banner(on_small_disk: Project, make_app) -> None:
    # Issue 15's "the project folder is not writable": a real read-only mount, which stops
    # root too (permission bits would not).
    project = on_small_disk
    assert project.save(FIRST, answer="Drivers find faults too late").ok
    mount = project.root.parent
    remounted = subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True, text=True)
    assert remounted.returncode == 0, remounted.stderr
    files = _files(project)
    app = make_app(Project.open(project.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FormScreen)
        banner = text_of(screen.query_one("#read-only-banner", Static))
        assert banner.startswith("Read-only:") and "cannot be written by you" in banner
        assert screen.editor.read_only
        await pilot.press(*" more", "ctrl+s")
        await settle(app, pilot)
        assert screen.editor.text == "Drivers find faults too late"
        await pilot.press("ctrl+q")
    assert _files(project) == files
