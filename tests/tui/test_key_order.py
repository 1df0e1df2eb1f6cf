"""Every key lands where the user aimed it, whatever the speed (issue 9: items 1, 2, 3, 4, 8).

Keys are sent as bursts (all queued before the first is handled); what counts is what the
answer files and git hold afterwards, and where the next key would go.
"""

from __future__ import annotations

import asyncio
import fcntl

import pytest
from textual.widgets import OptionList

from mlreq.projects import Project
from mlreq.tui.modals.conflict_modal import ConflictModal
from mlreq.tui.modals.iteration_prompt import IterationPrompt
from mlreq.tui.modals.role_picker import RolePicker
from mlreq.tui.screens.form_screen import FormScreen
from keys_helpers import burst, until_keys_handled
from tui_helpers import git, notifications, screen_text, settle, wait_until

FIRST = "scoping.business-problems"
SECOND = "scoping.ml-feasibility"
THIRD = "scoping.success-metrics"


@pytest.fixture
def slow_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    """No autosave within the test: what is saved was saved by the keys under test."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 600.0)


def form(app) -> FormScreen:  # type: ignore[no-untyped-def]
    screen = app.get_screen("form")
    assert isinstance(screen, FormScreen)
    return screen


async def saved(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the keys run out, then let every queued save land."""
    assert await until_keys_handled(pilot), "the keys were never all handled"
    await asyncio.to_thread(form(app).queue.wait, 30)
    await settle(app, pilot)


# ---------------------------------------------------------------------------- 1. order


async def test_a_burst_of_answers_each_followed_by_ctrl_n_lands_whole_in_its_own_question(
    fresh: Project, make_app, slow_autosave
) -> None:
    answers = [
        "Answer number 1 is a sentence of about sixty characters long.",
        "The second one, typed at once after ctrl+n.",
        "Third: with r, t and p, which are list commands.",
    ]
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, [key for answer in answers for key in [*answer, "ctrl+n"]])
        await saved(app, pilot)
        assert form(app).current == "scoping.resources"
        assert app.focused is form(app).editor
    project = Project.open(fresh.root)
    assert [project.entry(q).answer for q in (FIRST, SECOND, THIRD)] == answers
    assert project.entry("scoping.resources").answer == ""
    assert git(fresh.root, "status", "--porcelain") == ""


async def test_keys_after_escape_in_a_burst_act_on_the_list_not_the_answer(fresh: Project, make_app, slow_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, [*"first", "escape", "j", "a", "j", "e", *"third"])
        await saved(app, pilot)
        burst(app, ["ctrl+s"])
        await saved(app, pilot)
    project = Project.open(fresh.root)
    assert project.entry(FIRST).answer == "first"
    assert project.entry(SECOND).status == "agreed" and project.entry(SECOND).answer == ""
    assert project.entry(THIRD).answer == "third"


async def test_tab_in_a_burst_moves_to_the_iteration_note_before_the_note_is_typed(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form(app).action_new_iteration()
        await pilot.pause()
        assert isinstance(app.screen, IterationPrompt)
        burst(app, [*"Kick-off workshop", "tab", *"two hours with ops and legal", "enter"])
        assert await until_keys_handled(pilot)
        await settle(app, pilot)
        assert await wait_until(pilot, lambda: "iteration/" in git(fresh.root, "tag", "--list"))
    tags = git(fresh.root, "tag", "--list").split()
    assert tags == ["iteration/kick-off-workshop"]
    assert "two hours with ops and legal" in git(fresh.root, "tag", "-n5", "--list", tags[0])


# ---------------------------------------------------------------------------- 2. role filter


async def test_choosing_a_role_from_the_last_question_settles_on_the_first_shown(demo: Project, make_app) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        burst(app, ["ctrl+g", *"retrained", "enter"])  # the steps
        assert await until_keys_handled(pilot)
        await pilot.pause(0.2)
        start = "deployment.retraining-frequency"
        assert screen.current == start
        burst(app, ["ctrl+f"])
        assert await until_keys_handled(pilot)
        assert isinstance(app.screen, RolePicker)
        options = app.screen.query_one(OptionList)
        domain = next(i for i in range(options.option_count) if "Domain expert" in str(options.get_option_at_index(i).prompt))
        burst(app, ["home", *["down"] * domain, "enter"])
        assert await until_keys_handled(pilot)
        shown = [q.id for q in screen.form.questions if "domain-expert" in q.roles]
        assert screen.shown == shown and start not in shown
        assert screen.current == shown[0]  # a question outside the filter gives way to the first shown
        assert screen.nav.cursor_node is not None and screen.nav.cursor_node.data == shown[0]
        # Settled: nothing left to do, and nothing moves any more.
        assert app.keys._screen_quiet()
        await pilot.pause(0.3)
        assert screen.current == shown[0] and screen.nav.cursor_node.data == shown[0]
        burst(app, ["ctrl+end", *" typed after"])
        assert await until_keys_handled(pilot)
        assert screen.editor.text.endswith(" typed after") and screen.current == shown[0]


async def test_highlights_still_queued_from_earlier_moves_do_not_send_the_form_back_and_forth(
    fresh: Project, make_app
) -> None:
    # Seen in a random burst (seed 886163324): the list had focus, ctrl+o moved on, and an
    # older highlight still queued sent the form back; each move queued another highlight,
    # so two questions took turns for ever and later keys went out of order.
    app = make_app(fresh, poll_interval=600)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        burst(app, ["escape"])
        assert await until_keys_handled(pilot)
        for qid in (SECOND, THIRD, SECOND, FIRST):  # what the list posts as its cursor moves
            screen.nav.post_message(screen.nav.QuestionHighlighted(qid))
        await pilot.pause(0.5)
        assert app.keys._screen_quiet(), "the form is still moving between questions"
        assert screen.current == FIRST and screen.nav.cursor_node.data == FIRST
        burst(app, ["ctrl+n", *"typed"])
        assert await until_keys_handled(pilot)
        assert screen.current == SECOND and screen.editor.text == "typed"


# ---------------------------------------------------------------------------- 3. long answers


async def test_the_cursor_stays_on_screen_while_typing_forty_lines_at_80x24(fresh: Project, make_app, slow_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        for line in range(40):
            burst(app, [*f"line {line:02d} of a long answer", "enter"])
            assert await until_keys_handled(pilot)
            await pilot.pause()
            row = screen.editor.cursor_screen_offset.y
            pane = screen.query_one("#detail").content_region
            assert pane.y <= row < pane.bottom <= 24, f"line {line}: cursor row {row} is outside {pane}"
        assert "line 39 of a long answer" in screen_text(app)
        burst(app, ["ctrl+home"])
        assert await until_keys_handled(pilot)
        await pilot.pause()
        assert screen.editor.cursor_location == (0, 0)
        assert "00 of a long answer" in screen_text(app)  # (the cursor splits the line's first cell off)
        burst(app, ["ctrl+end"])
        assert await until_keys_handled(pilot)
        assert screen.editor.cursor_location == screen.editor.document.end
        burst(app, ["ctrl+a"])
        assert await until_keys_handled(pilot)
        assert screen.editor.selected_text == screen.editor.text


# ---------------------------------------------------------------------------- 4. focus


def footer_keys(app) -> set[str]:  # type: ignore[no-untyped-def]
    from textual.widgets._footer import FooterKey

    return {key.key for key in app.screen.query(FooterKey)}


async def test_letters_act_on_the_list_only_while_it_has_focus_and_the_footer_shows_them(
    fresh: Project, make_app, slow_autosave
) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        assert app.focused is screen.editor
        assert "r" not in footer_keys(app) and "ctrl+n" in footer_keys(app)
        assert screen.editor.border_title == "Answer"
        burst(app, ["escape"])
        assert await until_keys_handled(pilot)
        await pilot.pause()
        assert app.focused is screen.nav
        assert {"a", "r", "t", "e"} <= footer_keys(app)
        assert "e or Enter to type" in str(screen.editor.border_title)
        # ctrl+n from the list goes to the next answer's box: letters are typed, not run.
        burst(app, ["ctrl+n", *"rtp"])
        await saved(app, pilot)
        assert app.focused is screen.editor and screen.current == SECOND
        assert screen.editor.text == "rtp"
        assert isinstance(app.screen, FormScreen)  # no timeline, no progress opened
        burst(app, ["ctrl+s"])
        await saved(app, pilot)
    entry = Project.open(fresh.root).entry(SECOND)
    assert entry.answer == "rtp" and entry.status == "draft"


async def test_merge_by_hand_puts_the_keys_in_the_answer_box(
    fresh: Project, make_app, slow_autosave, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keys in the dialog's first moment are typing (test_workshop_editing); here "e" chooses.
    monkeypatch.setattr("mlreq.tui.modals.conflict_modal.MOMENTUM", 0.0)
    app = make_app(fresh, poll_interval=600)  # the conflict shows when the save runs
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        burst(app, [*"mine"])
        assert await until_keys_handled(pilot)
        Project.open(fresh.root).save(FIRST, answer="theirs")  # another session saves the same answer
        burst(app, ["escape"])  # to the list: saving meets the other answer
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal) and app.screen.opened_at < float("inf"))
        burst(app, ["e"])
        assert await until_keys_handled(pilot)
        await pilot.pause()
        assert app.focused is screen.editor
        burst(app, [*"r"])
        assert await until_keys_handled(pilot)
        assert screen.editor.text.startswith("r") and Project.open(fresh.root).entry(FIRST).status != "needs-review"


# ---------------------------------------------------------------------------- 8. own saves


async def test_own_saves_are_never_reported_as_changes_made_elsewhere(demo: Project, make_app) -> None:
    """The watcher reads the files after a save wrote them but before the screen heard of it."""
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        burst(app, ["escape", "j"])
        assert await until_keys_handled(pilot)
        await settle(app, pilot)
        entry = screen.expected[screen.current]
        started = screen.queue.started
        with open(demo.root / ".mlreq" / "lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # hold the save at the project's lock
            screen.request_save(screen.current, entry.with_changes(status="agreed" if entry.status != "agreed" else "draft"))
            for _ in range(500):  # (not wait_until: it waits for workers, and this one waits for us)
                if screen.queue.started > started:
                    break
                await pilot.pause(0.02)
            assert screen.queue.started > started
            # Now block the event loop (a busy UI) while the save runs to its end: its
            # SaveFinished waits to be queued while the watcher, run now, reads the files
            # the save wrote, and its report is queued first.
            fcntl.flock(lock, fcntl.LOCK_UN)
            assert screen.queue.wait(30)
            type(app)._watch_disk.__wrapped__(app)  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert Project.open(demo.root).entry(screen.current).status != entry.status
        for key in "jajaja":
            burst(app, [key])
            assert await until_keys_handled(pilot)
            await pilot.pause(0.3)
        await settle(app, pilot)
        assert not [n for n in notifications(app) if "elsewhere" in n]


async def test_moving_to_the_question_already_shown_puts_the_lists_cursor_back_on_it(fresh: Project, make_app) -> None:
    """Found by the long random run (MLREQ_KEYS_SEED=513244650): with one question shown, k
    left the list's cursor on the stage heading, ctrl+r "moved" to the same question and
    left the cursor there, so Enter in the list folded the stage instead of editing."""
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.get_screen("form")
        burst(app, ["escape", "slash", *".business-prob", "enter", "k", "ctrl+r", "escape", "enter", *"typed"])
        assert await until_keys_handled(pilot)
        await settle(app, pilot)
        assert screen.shown == [FIRST] and screen.current == FIRST
        assert app.focused is screen.editor and screen.editor.text == "typed"
        assert screen.nav.cursor_node is screen.nav._leaves[FIRST]
