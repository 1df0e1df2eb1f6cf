"""A full disk while typing, in the real app (issues 9.13 and 10.3), and a save queue
that survives whatever a hostile repository throws at it (issue 10.6).

The disk is a real tmpfs filled to ENOSPC (tests/small_disk.py); nothing is mocked. Each
test checks that nothing typed is lost, that the user is told exactly where the text is
(only on screen, in a draft, in the file), and that the text reaches git once the cause
is gone, after which (and only after which) its draft is deleted.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from mlreq.projects import Project
from mlreq.projects.drafts import DraftStore, rescue_folder
from mlreq.tui.modals.recover_drafts import RecoverDrafts
from mlreq.tui.screens.form_screen import FormScreen
from small_disk import SmallDisk
from tui_helpers import git, git_status, notifications, settle, subjects, wait_until

FIRST = "scoping.business-problems"
SECOND = "scoping.ml-feasibility"


def form(app) -> FormScreen:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, FormScreen), f"expected the form screen, got {app.screen!r}"
    return app.screen


def committed(root: Path, question_id: str = FIRST, stage: str = "scoping") -> str:
    data = tomllib.loads(git(root, "show", f"HEAD:answers/{stage}.toml"))
    return data.get(question_id, {}).get("answer", "")


def drafts_of(root: Path) -> list[str]:
    return [d.text for d in DraftStore(root).all()]


def indicator_line(app) -> str:  # type: ignore[no-untyped-def]
    """The indicator's row as the 80x24 terminal shows it (cut at the screen's edge)."""
    return form(app).indicator.render_line(0).text



@pytest.fixture
def drafts_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's own order: the draft (0.3 s after typing) lands before the autosave."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 0.6)


@pytest.fixture
def no_auto_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed saves are retried by the keys the test presses, not by the timer."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.RETRY_DELAY", 600.0)


# --------------------------------------------------------------------------- the disk fills up


async def test_a_full_disk_keeps_the_text_on_screen_says_so_and_saves_it_when_space_returns(
    on_small_disk: Project, disk: SmallDisk, make_app, monkeypatch: pytest.MonkeyPatch, drafts_first, no_auto_retry
) -> None:
    """Home is on the same full disk: neither the answer file nor any draft can be written."""
    monkeypatch.setenv("XDG_STATE_HOME", str(disk.path / "state"))
    root = on_small_disk.root
    app = make_app(on_small_disk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"first words")
        assert await wait_until(pilot, lambda: committed(root) == "first words")
        await settle(app, pilot)
        disk.fill()
        await pilot.press(*", typed on a full disk")
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed" and "only on screen" in screen.indicator.detail)
        await settle(app, pilot)
        whole = "first words, typed on a full disk"
        assert screen.editor.text == whole
        assert "No space left on device" in screen.indicator.detail
        assert "only on screen" in indicator_line(app), indicator_line(app)
        assert "not saved" in indicator_line(app)
        assert committed(root) == "first words"
        # Space comes back; ctrl+s writes and commits what the screen holds.
        disk.free()
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: committed(root) == whole)
        await settle(app, pilot)
        assert screen.indicator.state == "saved", screen.indicator.detail
        await pilot.press(*" and more")
        await pilot.press("ctrl+q")
        await settle(app, pilot)
    assert committed(root) == whole + " and more"
    assert subjects(root)[0] == f"Answer {FIRST}"
    assert git_status(root) == ""
    assert drafts_of(root) == []


async def test_a_full_disk_with_room_elsewhere_keeps_the_text_in_a_rescued_draft(
    on_small_disk: Project, disk: SmallDisk, make_app, drafts_first, no_auto_retry
) -> None:
    """The project's disk is full, home is not: the draft goes to the rescue folder, and
    the indicator names it; after the commit the draft is gone."""
    root = on_small_disk.root
    app = make_app(on_small_disk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        disk.fill()
        await pilot.press(*"typed on a full project disk")
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed" and "draft" in screen.indicator.detail)
        await settle(app, pilot)
        rescued = sorted((rescue_folder() / root.name).glob(f"{FIRST}@*.json"))
        assert len(rescued) == 1
        assert "typed on a full project disk" in rescued[0].read_text("utf-8")
        assert str(rescue_folder()) in screen.indicator.detail, screen.indicator.detail
        assert "only on screen" not in screen.indicator.detail
        disk.free()
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: committed(root) == "typed on a full project disk")
        await settle(app, pilot)
        assert not rescued[0].exists(), "the draft outlived the commit of its text"
    assert drafts_of(root) == []


async def test_a_failed_save_is_retried_by_itself_once_space_returns(
    on_small_disk: Project, disk: SmallDisk, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mlreq.tui.screens.form_screen.RETRY_DELAY", 0.3)
    root = on_small_disk.root
    app = make_app(on_small_disk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        disk.fill()
        await pilot.press(*"waiting for room")
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed")
        await pilot.pause(0.5)  # a retry or two that fail again
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed")  # not stuck "saving"
        assert committed(root) == ""
        disk.free()  # and no key pressed
        assert await wait_until(pilot, lambda: committed(root) == "waiting for room")
        await settle(app, pilot)
        assert screen.indicator.state == "saved"
    assert git_status(root) == ""


async def test_a_question_left_while_the_disk_is_full_is_saved_when_space_returns(
    on_small_disk: Project, disk: SmallDisk, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mlreq.tui.screens.form_screen.RETRY_DELAY", 0.3)
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 600.0)
    root = on_small_disk.root
    app = make_app(on_small_disk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        disk.fill()
        await pilot.press(*"left on a full disk", "ctrl+n")
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed")
        await settle(app, pilot)
        assert screen.current == SECOND
        disk.free()
        assert await wait_until(pilot, lambda: committed(root) == "left on a full disk")
        await settle(app, pilot)
    assert drafts_of(root) == []
    assert git_status(root) == ""


async def test_quitting_while_the_text_is_only_on_screen_asks_first(
    on_small_disk: Project, disk: SmallDisk, make_app, monkeypatch: pytest.MonkeyPatch, no_auto_retry
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(disk.path / "state"))
    root = on_small_disk.root
    app = make_app(on_small_disk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        disk.fill()
        await pilot.press(*"nowhere but here", "ctrl+q")
        await settle(app, pilot)
        assert app.is_running, "quit lost text that was only on screen"
        assert screen.editor.text == "nowhere but here"
        assert any("only on screen" in n for n in notifications(app)), notifications(app)
        disk.free()
        await pilot.press("ctrl+q")  # saves, then quits
        await settle(app, pilot)
    assert committed(root) == "nowhere but here"
    assert git_status(root) == ""


async def test_a_requirement_typed_on_a_full_disk_stays_on_screen_says_so_and_is_saved_when_space_returns(
    on_small_disk: Project, disk: SmallDisk, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The requirement dialog (w) on a full disk, home too: no draft can be written, the
    dialog says the requirement is only on screen, Ctrl+S keeps it open with the reason,
    Ctrl+Q refuses to lose it, and once space returns Ctrl+S commits exactly what was typed."""
    from textual.widgets import Static, TextArea

    from mlreq.tui.modals.requirement_editor import RequirementEditor

    monkeypatch.setenv("XDG_STATE_HOME", str(disk.path / "state"))
    root = on_small_disk.root
    on_small_disk.save(SECOND, answer="Forecasting needs two years of charger logs")
    typed = "The system shall forecast charger demand per day."
    app = make_app(Project.open(root))
    async with app.run_test(size=(80, 24)) as pilot:
        form(app).go_to(SECOND)
        form(app).action_browse()
        await settle(app, pilot)
        await pilot.press("w")
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementEditor))
        disk.fill()
        await pilot.press("end", "shift+home", *typed)
        editor = app.screen

        def dialog_error() -> str:
            return str(app.screen.query_one("#requirement-error", Static).render())

        assert await wait_until(pilot, lambda: "only on screen" in dialog_error())
        assert "No space left on device" in dialog_error()
        await pilot.press("ctrl+s")  # requirements.toml cannot be written either
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementEditor) and app.screen is not editor)
        assert "Not saved" in dialog_error(), dialog_error()
        assert app.screen.query_one("#requirement-text", TextArea).text == typed
        await pilot.press("ctrl+q")
        await settle(app, pilot)
        assert app.is_running, "quitting lost a requirement that was only on screen"
        assert any(f"the requirement from {SECOND}" in n and "only on screen" in n for n in notifications(app)), notifications(app)
        assert not (root / "requirements.toml").exists()
        disk.free()
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, RequirementEditor))
        await settle(app, pilot)
    [stored] = tomllib.loads(git(root, "show", "HEAD:requirements.toml"))["requirement"]
    assert stored["text"] == typed and stored["from"] == [SECOND]
    assert git_status(root) == ""
    assert not list((root / ".mlreq" / "requirement-drafts").glob("*.json")), "the draft outlived the commit"


# --------------------------------------------------------------------------- written, not committed


async def test_a_draft_stays_until_its_text_is_committed(
    fresh: Project, make_app, monkeypatch: pytest.MonkeyPatch, drafts_first, no_auto_retry
) -> None:
    """Another git process holds the index lock: the answer reaches the file, not git.
    The draft stays, and the indicator says the text is in the file, not 'not saved'."""
    monkeypatch.setattr("mlreq.projects.gitrepo.LOCK_WAIT", 0.2)
    root = fresh.root
    lock = root / ".git" / "index.lock"
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        lock.write_text("")
        await pilot.press(*"in the file only")
        assert await wait_until(pilot, lambda: screen.indicator.state == "uncommitted")
        await settle(app, pilot)
        assert fresh.entry(FIRST).answer == "in the file only"
        assert committed(root) == ""
        assert drafts_of(root) == ["in the file only"]
        shown = indicator_line(app)
        assert "not saved" not in shown and "not committed" in shown, shown
        assert "answers/scoping.toml" in screen.indicator.detail, screen.indicator.detail
        lock.unlink()
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: committed(root) == "in the file only")
        await settle(app, pilot)
        assert screen.indicator.state == "saved", screen.indicator.detail
        assert drafts_of(root) == []


async def test_a_restored_draft_is_kept_until_its_text_is_committed(
    on_small_disk: Project, disk: SmallDisk, make_app, monkeypatch: pytest.MonkeyPatch, no_auto_retry
) -> None:
    """A crashed session's draft is restored while the disk is full: its file must stay
    until the text is in a commit, and go then."""
    monkeypatch.setenv("XDG_STATE_HOME", str(disk.path / "state"))
    root = on_small_disk.root
    crashed = DraftStore(root)
    crashed.session = f"{_dead_pid()}-c0ffee"
    left = crashed.write(FIRST, "typed before a crash", on_small_disk.entry(FIRST))
    disk.fill()
    app = make_app(on_small_disk)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, RecoverDrafts))
        for _ in range(5):  # keyboard only: tab to "Restore and save"
            if app.focused is not None and app.focused.id == "restore":
                break
            await pilot.press("tab")
        await pilot.press("enter")
        screen = form(app)
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed")
        await settle(app, pilot)
        assert left.exists(), "the restored draft was deleted before its text was saved"
        assert screen.editor.text == "typed before a crash"
        disk.free()
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: committed(root) == "typed before a crash")
        await settle(app, pilot)
        assert not left.exists()
    assert drafts_of(root) == []


def _dead_pid() -> int:
    """A process id that no process has now (its draft counts as left behind)."""
    pid = 4_000_000
    while Path(f"/proc/{pid}").exists():
        pid -= 1
    return pid


async def test_room_for_the_file_but_not_for_git_says_the_text_is_in_the_file_and_quit_commits_it(
    on_small_disk: Project, disk: SmallDisk, make_app, drafts_first, no_auto_retry
) -> None:
    root = on_small_disk.root
    app = make_app(on_small_disk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        disk.fill()
        disk.leave(3)  # the draft and the answer file fit (with a page to spare); git does not
        await pilot.press(*"in the file, not in git")
        assert await wait_until(pilot, lambda: screen.indicator.state in ("uncommitted", "failed"))
        await settle(app, pilot)
        assert screen.indicator.state == "uncommitted", screen.indicator.detail
        assert on_small_disk.entry(FIRST).answer == "in the file, not in git"
        shown = indicator_line(app)
        assert shown.startswith("✗ not committed: your text is in answers/scoping.toml"), shown
        assert "disk is full" in screen.indicator.detail, screen.indicator.detail
        assert drafts_of(root) == ["in the file, not in git"]
        disk.free()
        await pilot.press("ctrl+q")  # commits what is pending, then quits
        await settle(app, pilot)
    assert committed(root) == "in the file, not in git"
    assert git_status(root) == ""


# --------------------------------------------------------------------------- the save queue survives


NESTED = f'\n["scoping.extra"]\nx = {"[" * 5000}{"]" * 5000}\n'


async def test_the_save_queue_survives_a_file_it_cannot_parse_and_saves_after_repair(
    fresh: Project, make_app, no_auto_retry
) -> None:
    """A sync brings a scoping file nested 5000 deep (RecursionError in the parser)."""
    root = fresh.root
    scoping = root / "answers" / "scoping.toml"
    good = scoping.read_bytes()
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        scoping.write_bytes(good + NESTED.encode())
        await pilot.press(*"typed over a hostile file", "ctrl+s")
        assert await wait_until(pilot, lambda: screen.indicator.state == "failed" and "nested" in screen.indicator.detail)
        await settle(app, pilot)
        assert not screen.queue.busy, "the save queue is stuck"
        assert screen.editor.text == "typed over a hostile file"
        # The queue still works: another stage saves (committed once every file reads again).
        screen.go_to("data.data-source")
        screen.editor.focus()
        await pilot.press(*"other stage", "ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry("data.data-source").answer == "other stage")
        # Repaired: the text typed meanwhile is saved.
        scoping.write_bytes(good)
        screen.go_to(FIRST)
        await settle(app, pilot)
        assert screen.editor.text == "typed over a hostile file"
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: committed(root) == "typed over a hostile file")
        await settle(app, pilot)
        await pilot.press("ctrl+q")
        assert not screen.queue.busy
    assert committed(root, "data.data-source", "data") == "other stage"
    assert git_status(root) == ""


async def test_the_save_queue_survives_another_users_repository(fresh: Project, make_app, no_auto_retry) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the repository to another user")
    root = fresh.root

    def chown(uid: int) -> None:
        for path in [root, *root.rglob("*")]:
            os.lchown(path, uid, uid)

    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await settle(app, pilot)
        before = (root / "answers" / "scoping.toml").read_bytes()
        chown(65534)
        try:
            await pilot.press(*"not my repository", "ctrl+s")
            assert await wait_until(pilot, lambda: screen.indicator.state == "failed")
            await settle(app, pilot)
            assert "dubious ownership" in screen.indicator.detail, screen.indicator.detail
            assert not screen.queue.busy
            assert (root / "answers" / "scoping.toml").read_bytes() == before
        finally:
            chown(0)
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: committed(root) == "not my repository")
        await settle(app, pilot)
        assert screen.indicator.state == "saved"
