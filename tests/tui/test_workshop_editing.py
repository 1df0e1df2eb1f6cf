"""Issue 9 (workshop-proof editing), items 5-7, 9-12, 14, 15: one test (or a few) per item.

Every test drives the real app on a real repository and checks what the user sees, what is
on disk and what git holds. Each failed before its fix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Button, TextArea

from helpers import console
from mlreq.projects import Entry, Project
from mlreq.projects.drafts import DraftStore
from mlreq.tui.modals.conflict_modal import ConflictModal
from mlreq.tui.modals.export_dialog import ExportDialog
from mlreq.tui.modals.recover_drafts import RecoverDrafts
from mlreq.tui.screens.form_screen import FormScreen
from mlreq.tui.widgets.answer_editor import EDITOR_LIMIT
from tui_helpers import Tmux, committed_answer, git, git_status, screen_text, settle, subjects, wait_until

FIRST = "scoping.business-problems"
SECOND = "scoping.ml-feasibility"
"""SECOND builds on FIRST: a changed FIRST flags an answered SECOND needs-review."""


def form_of(app) -> FormScreen:  # type: ignore[no-untyped-def]
    return app.get_screen("form")  # type: ignore[return-value]


def dialog_open(app) -> bool:  # type: ignore[no-untyped-def]
    """A conflict dialog is on screen and takes keys (typing momentum never chooses)."""
    return isinstance(app.screen, ConflictModal) and app.screen.takes_keys


def toasts_over(app, widget) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts of notifications drawn over `widget`."""
    from textual.widgets._toast import Toast

    return [str(t.render()) for t in app.screen.query(Toast) if t.region.overlaps(widget.region)]


# --------------------------------------------------------------------------- 5: autosave vs conflict


@pytest.fixture
def one_second_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long enough that the poll (0.2 s) sees the outside change before the autosave fires."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 1.0)


async def _conflict_while_typing(fresh: Project, app, pilot) -> ConflictModal:  # type: ignore[no-untyped-def]
    await pilot.press(*"mine, typed here")
    Project.open(fresh.root).save(FIRST, answer="theirs, saved elsewhere")
    assert await wait_until(pilot, lambda: dialog_open(app))
    return app.screen


async def test_the_autosave_never_writes_over_a_conflict_on_screen_and_take_theirs_keeps_theirs(
    fresh: Project, make_app, one_second_autosave
) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await _conflict_while_typing(fresh, app, pilot)
        await pilot.pause(1.5)  # the last keystroke's autosave timer would have fired by now
        await settle(app, pilot)
        assert fresh.entry(FIRST).answer == "theirs, saved elsewhere"
        assert isinstance(app.screen, ConflictModal)
        await pilot.press("t")
        await pilot.pause(1.5)
        await settle(app, pilot)
        screen = form_of(app)
        assert screen.editor.text == "theirs, saved elsewhere"
        assert not screen.dirty
    assert fresh.entry(FIRST).answer == "theirs, saved elsewhere"
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "theirs, saved elsewhere"
    # The user chose theirs: their own text is not offered back as a lost draft next time.
    assert [d.text for d in DraftStore(fresh.root).all()] == []


async def test_typing_on_as_the_dialog_opens_never_chooses(
    fresh: Project, make_app, one_second_autosave, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user keeps typing "...the text" as the dialog appears: "t" must not take theirs,
    and the letters join the user's version instead of vanishing."""
    monkeypatch.setattr("mlreq.tui.modals.conflict_modal.MOMENTUM", 600.0)  # every key is momentum here
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"mine, typed here")
        Project.open(fresh.root).save(FIRST, answer="theirs, saved elsewhere")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal) and app.screen.opened_at < float("inf"))
        await pilot.press(*" the text", "enter")
        await pilot.pause(1.5)  # an autosave would have run by now
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictModal)
        assert form_of(app).typed_answer == "mine, typed here"
        assert fresh.entry(FIRST).answer == "theirs, saved elsewhere"
        assert [d.text for d in DraftStore(fresh.root).all()] == ["mine, typed here"]
        # ...and what was typed into the dialog is not lost: it is part of "Yours".
        assert app.screen.query_one("#mine", TextArea).text == "mine, typed here the text\n"
        app.screen.query_one("#keep-mine", Button).press()
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "mine, typed here the text\n")
        await settle(app, pilot)
        assert form_of(app).typed_answer == "mine, typed here the text\n"
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "mine, typed here the text\n"


async def test_keep_mine_after_a_conflict_saves_mine_once(fresh: Project, make_app, one_second_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await _conflict_while_typing(fresh, app, pilot)
        await pilot.press("m")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "mine, typed here")
        await settle(app, pilot)
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "mine, typed here"
    assert committed_answer(fresh.root, "scoping", FIRST, "HEAD~1")["answer"] == "theirs, saved elsewhere"


async def test_a_second_conflict_waits_for_the_first_dialog_and_keeps_its_text(fresh: Project, make_app) -> None:
    """Two answers saved over elsewhere (saves queued when leaving them): one dialog each,
    one after the other; the second one's text was dropped while the first was open."""
    app = make_app(fresh, poll_interval=600.0)  # reads the answers now; it does not look again
    other = Project.open(fresh.root)
    other.save(FIRST, answer="theirs one")
    other.save(SECOND, answer="theirs two")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form_of(app)
        screen.request_save(FIRST, Entry("mine one", "draft"))  # what leaving each question queues
        screen.request_save(SECOND, Entry("mine two", "draft"))
        assert await wait_until(pilot, lambda: dialog_open(app))
        await pilot.pause()
        assert (app.screen.mine, app.screen.theirs) == ("mine one", "theirs one")
        await settle(app, pilot)
        await pilot.press("m")
        assert await wait_until(pilot, lambda: dialog_open(app) and app.screen.mine == "mine two")
        await pilot.pause()
        assert fresh.entry(SECOND).answer == "theirs two"  # nothing saved it meanwhile
        await pilot.press("t")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "mine one")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "mine one"
    assert committed_answer(fresh.root, "scoping", SECOND)["answer"] == "theirs two"


# --------------------------------------------------------------------------- 6: the conflict dialog


async def test_the_conflict_dialog_fits_80x24_with_its_three_buttons(fresh: Project, make_app, one_second_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _conflict_while_typing(fresh, app, pilot)
        await pilot.pause()
        shown = screen_text(app)
        for label in ("Keep mine", "Take theirs", "Merge by hand"):
            assert label in shown, shown
        for button in modal.query(Button):
            region = button.region
            assert region.bottom <= 24 and region.right <= 80 and region.height >= 1, (button.id, region)
        assert "Changed elsewhere while you edited it" in shown


async def test_merge_by_hand_puts_both_texts_in_the_answer_box_and_saves_only_when_the_user_does(
    fresh: Project, make_app, one_second_autosave
) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await _conflict_while_typing(fresh, app, pilot)
        await pilot.press("e")
        await pilot.pause(1.5)  # an autosave would have run by now
        await settle(app, pilot)
        screen = form_of(app)
        assert app.focused is screen.editor
        assert "mine, typed here" in screen.editor.text and "theirs, saved elsewhere" in screen.editor.text
        assert fresh.entry(FIRST).answer == "theirs, saved elsewhere"  # nothing joined was saved
        assert subjects(fresh.root)[0] == f"Answer {FIRST}"
        screen.editor.load_text("")  # the user merges: selects all, types the result
        await pilot.press(*"both, merged")
        await pilot.pause(1.5)
        await settle(app, pilot)
        assert fresh.entry(FIRST).answer == "theirs, saved elsewhere"  # typing does not start an autosave
        assert "Ctrl+S saves" in screen_text(app)
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "both, merged")
        await settle(app, pilot)
    assert committed_answer(fresh.root, "scoping", FIRST)["answer"] == "both, merged"


def _sync_conflict(project: Project) -> None:
    """What `mlreq sync` leaves when both sides changed FIRST: ours in answer, theirs in conflict."""
    project.save(FIRST, answer="ours before the sync")
    path = project.root / "answers" / "scoping.toml"
    text = path.read_text("utf-8")
    marker = 'answer = "ours before the sync"\n'
    assert marker in text
    path.write_text(text.replace(marker, marker + 'conflict = "theirs from the other machine"\n'), "utf-8")
    git(project.root, "commit", "-qam", "sync")


async def test_after_a_sync_the_dialog_says_so_and_merge_by_hand_goes_to_the_editor(fresh: Project, make_app) -> None:
    _sync_conflict(fresh)
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        form_of(app).action_resolve_versions()
        assert await wait_until(pilot, lambda: dialog_open(app))
        await pilot.pause()
        shown = screen_text(app)
        assert "while you edited it" not in shown
        assert "sync" in shown.lower()
        assert "Take theirs" in shown
        head = git(fresh.root, "rev-parse", "HEAD")
        await pilot.press("e")
        await pilot.pause(0.5)
        await settle(app, pilot)
        screen = form_of(app)
        assert app.focused is screen.editor
        assert "ours before the sync" in screen.editor.text and "theirs from the other machine" in screen.editor.text
        assert git(fresh.root, "rev-parse", "HEAD") == head  # nothing committed yet


# --------------------------------------------------------------------------- 7: draft recovery


def _dead_session() -> str:
    """A session id whose process has ended (as after a crash)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{child.pid}-dead00"


def _leave_draft(project: Project, question_id: str, text: str) -> None:
    store = DraftStore(project.root)
    store.session = _dead_session()
    store.write(question_id, text, project.entry(question_id))


async def test_draft_recovery_restores_on_enter(fresh: Project, make_app) -> None:
    _leave_draft(fresh, SECOND, "typed before the crash")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, RecoverDrafts))
        await pilot.pause()
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: fresh.entry(SECOND).answer == "typed before the crash")
        await settle(app, pilot)
        assert app.focused is form_of(app).editor
    assert committed_answer(fresh.root, "scoping", SECOND)["answer"] == "typed before the crash"


async def test_a_draft_never_outlives_the_text_it_kept(fresh: Project, make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed, then deleted again: the screen shows the saved answer, so no draft may offer
    (and, restored, commit and flag dependents for) the text the user took back.

    The rule for restoring: a restored draft is a save like any other. It flags the
    answers that build on it exactly when its text differs from the answer it was typed
    over; a draft whose text equals what was there before the crash is never offered."""
    fresh.save(FIRST, answer="Chargers fail")
    fresh.save(SECOND, answer="Yes, with telemetry")
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 600.0)  # only the draft runs
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("end", *" silently")
        assert await wait_until(pilot, lambda: any(d.text.endswith("silently") for d in DraftStore(fresh.root).all()))
        await pilot.press(*["backspace"] * len(" silently"))
        await pilot.pause(0.8)  # the draft timer runs again
        await settle(app, pilot)
        assert form_of(app).editor.text == "Chargers fail"
        assert [d.text for d in DraftStore(fresh.root).all()] == []
    assert Project.open(fresh.root).entry(SECOND).status == "draft"


async def test_restoring_a_draft_flags_only_what_its_changed_text_builds_on(fresh: Project, make_app) -> None:
    fresh.save(FIRST, answer="Chargers fail")
    fresh.save(SECOND, answer="Yes, with telemetry")
    _leave_draft(fresh, FIRST, "Chargers fail at night")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, RecoverDrafts))
        await pilot.pause()
        shown = screen_text(app)
        assert SECOND in shown  # the dialog says which answers restoring puts up for review
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "Chargers fail at night")
        await settle(app, pilot)
    after = Project.open(fresh.root)
    assert after.entry(SECOND).status == "needs-review"
    flagged = {qid for qid, e in after.entries().items() if e.status == "needs-review"}
    assert flagged == {SECOND}


async def test_restoring_drafts_of_answers_that_build_on_each_other_raises_no_conflict(fresh: Project, make_app) -> None:
    """Both answers typed in the session that crashed: restoring the first flags the second,
    which the second's own restore then edits. That is one user's sequence of edits, not
    a conflict: both land, and the second, edited after the first, is not left flagged."""
    fresh.save(FIRST, answer="Chargers fail")
    fresh.save(SECOND, answer="Yes, with telemetry")
    _leave_draft(fresh, FIRST, "Chargers fail at night")
    _leave_draft(fresh, SECOND, "Yes, with telemetry and the night shift's logs")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, RecoverDrafts))
        await pilot.pause()
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: fresh.entry(SECOND).answer.endswith("logs"))
        await settle(app, pilot)
        assert not isinstance(app.screen, ConflictModal)
    after = Project.open(fresh.root)
    assert after.entry(FIRST).answer == "Chargers fail at night"
    assert (after.entry(SECOND).status, after.entry(SECOND).review) == ("draft", "")
    assert git_status(fresh.root) == ""


async def test_a_slip_typed_saved_and_undone_leaves_no_answer_in_doubt(fresh: Project, make_app) -> None:
    """Words typed into the wrong box and saved flag what builds on it; Ctrl+Z and a save
    put those answers back as they were, and the user is told so."""
    fresh.save(FIRST, answer="Chargers fail")
    fresh.save(SECOND, answer="Yes, with telemetry", status="agreed")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("home", *"oops ", "ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry(SECOND).status == "needs-review")
        await pilot.press("ctrl+z", "ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry(SECOND).status == "agreed")
        await settle(app, pilot)
        assert "No longer in doubt: " + SECOND in " ".join(screen_text(app).split())
    assert fresh.entry(FIRST).answer == "Chargers fail" and fresh.entry(SECOND).review == ""
    assert subjects(fresh.root)[:2] == [f"Answer {FIRST}", f"Answer {FIRST}"]
    assert git_status(fresh.root) == ""


# --------------------------------------------------------------------------- 9: notifications


async def test_notices_during_a_sync_stay_out_of_the_answer_box(fresh: Project, make_app, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(fresh.root, "remote", "add", "origin", str(remote))
    git(fresh.root, "push", "-q", "-u", "origin", "HEAD")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    Project.open(other).save(SECOND, answer="from the other machine")
    git(other, "push", "-q")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = form_of(app)
        screen.action_sync()
        seen: list[str] = []
        for _ in range(60):  # watch every frame of the sync and the reload after it
            await pilot.pause(0.05)
            seen += toasts_over(app, screen.editor)
            if Project.open(fresh.root).entry(SECOND).answer and "Synced" in screen_text(app):
                break
        await settle(app, pilot)
        await pilot.pause(0.5)
        seen += toasts_over(app, screen.editor)
        assert seen == []
        assert "Synced" in screen_text(app)  # the user is still told


async def test_the_apps_own_messages_on_the_form_join_the_notice_lines(fresh: Project, make_app) -> None:
    """A failed background job or a terminal resized below 80x24 reports through the app."""
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.notify("saving answers: disk quota exceeded", severity="error", timeout=10)
        await pilot.pause()
        assert toasts_over(app, form_of(app).editor) == []
        assert "disk quota exceeded" in screen_text(app)


# --------------------------------------------------------------------------- 10: a 1 MB paste


async def test_a_paste_beyond_the_limit_is_refused_with_a_message_and_nothing_is_lost(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form_of(app)
        await pilot.press(*"typed first")
        # As a terminal delivers a paste: to the app, which hands it to the focused box.
        app.post_message(events.Paste("x" * 1_000_000))
        await pilot.pause()
        assert len(screen.editor.text) <= EDITOR_LIMIT
        assert screen.editor.text == "typed first"
        shown = screen_text(app)
        assert "Not inserted" in shown and "200,000" in shown, shown
        await pilot.press(*" and more")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "typed first and more")
        app.post_message(events.Paste("fits\r" * 10))  # within the limit it lands; CR breaks become lines
        await pilot.pause()
        assert screen.editor.text == "typed first and more" + "fits\n" * 10


# --------------------------------------------------------------------------- 11: exact text


@pytest.mark.parametrize(
    ("stored", "typed", "saved"),
    [
        ("line one\r\nline two\r\n", ["X"], "Xline one\r\nline two\r\n"),
        ("line one\r\nline two", ["end", "enter", *"three"], "line one\r\nthree\r\nline two"),
        ("bell\x07 and esc\x1b[2J here", ["X"], "Xbell\x07 and esc\x1b[2J here"),
        ("a literal ␍ symbol", ["X"], "Xa literal ␍ symbol"),
        ("lone\rCR and\nLF", ["X"], "Xlone\rCR and\nLF"),
    ],
    ids=["crlf", "crlf-new-line", "controls", "literal-symbol", "mixed"],
)
async def test_editing_keeps_every_character_the_user_did_not_touch(
    fresh: Project, make_app, stored: str, typed: list[str], saved: str
) -> None:
    fresh.save(FIRST, answer=stored)
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form_of(app)
        assert "\x1b" not in screen.editor.text and "\x07" not in screen.editor.text  # shown as symbols
        await pilot.press(*typed)
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer != stored)
        await settle(app, pilot)
    assert fresh.entry(FIRST).answer == saved


async def test_an_answer_that_cannot_be_shown_exactly_is_read_only_with_a_reason(fresh: Project, make_app) -> None:
    """An ESC next to a literal "␛": once shown, the two look the same, so saving what the
    box holds could not restore both; the box says so and F4 edits the exact text."""
    stored = "a literal ␛ and a real \x1b here"
    fresh.save(FIRST, answer=stored)
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form_of(app)
        assert screen.editor.read_only
        assert "F4" in screen_text(app)
        await pilot.press(*"typed")
        await pilot.pause(0.5)
        await settle(app, pilot)
    assert fresh.entry(FIRST).answer == stored


# --------------------------------------------------------------------------- 12: an undecodable byte


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_an_undecodable_byte_from_the_terminal_keeps_the_app_and_the_text(fresh: Project, tmp_path: Path) -> None:
    """A Latin-1 terminal sends 0xff for "ÿ": the app shows U+FFFD and carries on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    with Tmux(tmp_path, [str(Path(sys.executable).parent / "mlreq"), str(fresh.root)], env=env) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        tmux.type("before")
        tmux.keys("-H", "ff")
        tmux.type(" after")
        assert tmux.wait_for("committed"), tmux.capture()  # the app's own 2 s autosave
        assert tmux.running()
        assert "before\ufffd after" in tmux.capture()
        tmux.keys("C-q")
        assert tmux.wait_exit(), tmux.capture()
    assert Project.open(fresh.root).entry(FIRST).answer == "before\ufffd after"


# --------------------------------------------------------------------------- 14: no terminal


@pytest.mark.parametrize("command", [["demo"], ["PROJECT"]], ids=["demo", "open"])
def test_without_a_terminal_the_app_says_so_and_exits_2(fresh: Project, tmp_path: Path, command: list[str]) -> None:
    argv = [str(fresh.root) if a == "PROJECT" else a for a in command]
    try:
        outcome = console(*argv, cwd=tmp_path, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the app hung without a terminal")
    assert outcome.code == 2, outcome
    assert len(outcome.err_lines) == 1 and "terminal" in outcome.err, outcome.err
    assert "Traceback" not in outcome.err
    if command == ["demo"]:
        assert not (tmp_path / "mlreq-demo").exists()


# --------------------------------------------------------------------------- 15: exports


async def test_an_export_started_in_the_project_folder_lands_outside_the_repository(
    fresh: Project, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fresh.root)
    app = make_app(fresh)
    async with app.run_test(size=(100, 30)) as pilot:
        form_of(app).action_export()
        assert await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.pause()
        await pilot.press("tab", "enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        await settle(app, pilot)
        await pilot.pause(0.3)
        await settle(app, pilot)
        shown = screen_text(app)
    written = list(Path.home().glob("*.html"))
    assert len(written) == 1, list(Path.home().iterdir())
    assert git_status(fresh.root) == ""
    assert str(written[0]) in shown or written[0].name in shown
