"""The form screen driven by keys (Textual's Pilot), checked on disk and in git.

Journeys 1 (the workshop) and 2 (the one-on-one with legal): every flow ends with what the
answer files hold (read back with tomllib or `Project.entry`) and what `git log` says,
not only with what the widgets show.
"""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, OptionList, Static

from mlreq.projects import Project
from mlreq.tui.modals.identity_prompt import IdentityPrompt
from mlreq.tui.modals.role_picker import RolePicker
from mlreq.tui.screens.form_screen import FormScreen
from mlreq.tui.screens.help_screen import HelpScreen
from mlreq.tui.screens.progress_screen import ProgressScreen
from tui_helpers import (
    commit_count,
    git_status,
    head_trailers,
    log,
    nav_labels,
    notifications,
    on_disk,
    settle,
    stage_labels,
    subjects,
    text_of,
    wait_until,
    workers_done,
)

FIRST = "scoping.business-problems"
SECOND = "scoping.ml-feasibility"
LEGAL = ["data.privacy", "data.ownership", "modeling.audit"]


@pytest.fixture
def slow_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    """No autosave within the test: what is saved was saved by the key under test."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 600.0)


def form(app) -> FormScreen:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, FormScreen), f"expected the form screen, got {screen!r}"
    return screen


async def test_opens_on_the_first_scoping_question_with_an_empty_focused_editor(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = form(app)
        assert screen.current == FIRST
        assert screen.editor.text == ""
        assert app.focused is screen.editor
        assert text_of(screen.query_one("#q-text", Static)) == "What are the business problems?"
        heading = text_of(screen.query_one("#q-heading", Static))
        assert heading.startswith("Scoping 1/8") and "open" in heading
        assert "Business stakeholder" in text_of(screen.query_one("#q-roles", Static))
        assert stage_labels(screen) == ["Scoping 0/8", "Data 0/14", "Modeling 0/8", "Deployment 0/7"]
        assert nav_labels(screen)[FIRST].startswith("○ ")
    # Opening and closing without typing changes nothing.
    assert commit_count(fresh.root) == 1
    assert git_status(fresh.root) == ""
    assert fresh.entry(FIRST).answer == ""


async def test_typing_then_pausing_commits_once_and_the_marker_turns_draft(
    fresh: Project, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough that no keystroke of a loaded test machine is slower; short enough to wait for.
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 1.0)
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"Drivers find faults")
        assert await wait_until(pilot, lambda: subjects(fresh.root)[0] == f"Answer {FIRST}")
        await settle(app, pilot)
        assert screen.indicator.state == "saved"
        assert screen.indicator.detail.startswith("committed ")
        assert nav_labels(screen)[FIRST].startswith("◐ ")
        assert stage_labels(screen)[0] == "Scoping 1/8"
        assert "draft" in text_of(screen.query_one("#q-heading", Static))
        assert app.focused is screen.editor  # saving never takes the keyboard away
        assert not any("elsewhere" in n for n in notifications(app)), "our own save was taken for an outside change"
    stored = on_disk(fresh, "scoping")[FIRST]
    assert (stored["answer"], stored["status"]) == ("Drivers find faults", "draft")
    assert fresh.entry(FIRST).status == "draft"
    assert log(fresh.root)[:2] == ["Test Person", f"Answer {FIRST}"]
    assert commit_count(fresh.root) == 2  # one commit for the whole typed answer
    assert head_trailers(fresh.root) == [FIRST]
    assert git_status(fresh.root) == ""


async def test_ctrl_n_saves_the_answer_and_moves_to_the_next_question(fresh: Project, make_app, slow_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"first")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.current == SECOND
        assert screen.editor.text == ""
        assert app.focused is screen.editor
        assert fresh.entry(FIRST).answer == "first"
        assert subjects(fresh.root)[0] == f"Answer {FIRST}"
        await pilot.press(*"second", "ctrl+r")  # back again: saves the second
        await settle(app, pilot)
        assert screen.current == FIRST
        assert screen.editor.text == "first"
    assert fresh.entry(SECOND).answer == "second"
    assert subjects(fresh.root)[:2] == [f"Answer {SECOND}", f"Answer {FIRST}"]
    assert commit_count(fresh.root) == 3


async def test_ctrl_o_skips_answered_questions(fresh: Project, make_app, slow_autosave) -> None:
    fresh.save(SECOND, answer="already answered")
    fresh.save("scoping.success-metrics", answer="also answered")
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"typed, skipped", "ctrl+o")
        await settle(app, pilot)
        assert screen.current == "scoping.resources"
        await pilot.press("ctrl+o")  # skip "What are the resources needed?" unanswered
        await settle(app, pilot)
        assert screen.current == "scoping.budget-limit"
    assert fresh.entry(FIRST).answer == "typed, skipped"
    assert fresh.entry("scoping.resources").answer == ""
    assert subjects(fresh.root)[0] == f"Answer {FIRST}"
    assert commit_count(fresh.root) == 4


async def test_ctrl_t_marks_agreed_in_its_own_commit(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"We agree")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "We agree")
        await settle(app, pilot)
        await pilot.press("ctrl+t")
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).status == "agreed")
        await settle(app, pilot)
        assert nav_labels(screen)[FIRST].startswith("● ")
        assert "agreed" in text_of(screen.query_one("#q-heading", Static))
    assert log(fresh.root)[:4] == ["Test Person", f"Mark agreed: {FIRST}", "Test Person", f"Answer {FIRST}"]
    assert head_trailers(fresh.root) == [FIRST]
    assert on_disk(fresh, "scoping")[FIRST]["status"] == "agreed"
    assert on_disk(fresh, "scoping")[FIRST]["answer"] == "We agree"


async def test_status_keys_in_the_list(fresh: Project, make_app) -> None:
    fresh.save(FIRST, answer="some answer")
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press("escape")
        assert app.focused is screen.nav
        for key, status, marker in (("r", "needs-review", "!"), ("a", "agreed", "●"), ("o", "open", "○"), ("d", "draft", "◐")):
            await pilot.press(key)
            assert await wait_until(pilot, lambda: fresh.entry(FIRST).status == status), key
            await settle(app, pilot)
            assert nav_labels(screen)[FIRST].startswith(f"{marker} ")
            assert subjects(fresh.root)[0] == f"Mark {status}: {FIRST}"
        # Typing letters in the list never reached the answer.
        assert screen.editor.text == "some answer"
    assert subjects(fresh.root)[:4] == [f"Mark {s}: {FIRST}" for s in ("draft", "open", "agreed", "needs-review")]
    assert fresh.entry(FIRST).answer == "some answer"
    assert git_status(fresh.root) == ""


async def test_ctrl_s_saves_at_once(fresh: Project, make_app, slow_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press(*"by hand")
        await settle(app, pilot)
        assert commit_count(fresh.root) == 1  # nothing saved yet: the autosave is far away
        assert screen.indicator.state == "unsaved"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.indicator.state == "saved"
        assert screen.current == FIRST and screen.editor.text == "by hand"
    assert fresh.entry(FIRST).answer == "by hand"
    assert log(fresh.root)[:2] == ["Test Person", f"Answer {FIRST}"]


async def pick_role(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    """ctrl+f, then arrow down to the role called `name` and press Enter."""
    await pilot.press("ctrl+f")
    await pilot.pause()
    picker = pilot.app.screen
    assert isinstance(picker, RolePicker)
    roles = picker.query_one(OptionList)
    prompts = [str(roles.get_option_at_index(i).prompt) for i in range(roles.option_count)]
    target = next(i for i, p in enumerate(prompts) if p.startswith(name))
    assert roles.highlighted == 0  # "All roles", when no filter is on
    await pilot.press(*["down"] * target, "enter")
    await pilot.pause()


async def test_role_filter_shows_one_roles_questions_across_stages(fresh: Project, make_app, slow_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pick_role(pilot, "Legal team")
        await settle(app, pilot)
        assert screen.shown == LEGAL
        assert list(nav_labels(screen)) == LEGAL
        assert [s.split()[0] for s in stage_labels(screen)] == ["Data", "Modeling"]
        assert screen.current == "data.privacy"
        assert screen.nav.cursor_node is not None and screen.nav.cursor_node.data == "data.privacy"
        assert "Role: Legal team (3)" in text_of(screen.query_one("#filter-line", Static))
        # The interviewer types legal's answers, moving with ctrl+n inside the filter.
        await pilot.press(*"No PII", "ctrl+n", *"We own it", "ctrl+n")
        await settle(app, pilot)
        assert screen.current == "modeling.audit"
        await pilot.press("escape", "x")
        await settle(app, pilot)
        assert len(screen.shown) == 37
        assert len(nav_labels(screen)) == 37
        assert screen.current == "modeling.audit"
        assert screen.nav.cursor_node is not None and screen.nav.cursor_node.data == "modeling.audit"
        assert nav_labels(screen)["data.privacy"].startswith("◐ ")
        assert not screen.query_one("#filter-line", Static).display
    assert fresh.entry("data.privacy").answer == "No PII"
    assert fresh.entry("data.ownership").answer == "We own it"
    assert subjects(fresh.root)[:2] == ["Answer data.ownership", "Answer data.privacy"]
    assert set(log(fresh.root, "%an")) == {"Test Person"}


async def test_search_filters_by_answer_text(fresh: Project, make_app, slow_autosave) -> None:
    fresh.save("data.data-volume", answer="About 45 GB of telemetry a month")
    before = commit_count(fresh.root)
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.press("escape", "slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"telemetry")
        await pilot.pause()
        assert screen.shown == ["data.data-volume"]
        assert list(nav_labels(screen)) == ["data.data-volume"]
        await pilot.press("enter")  # back to the list
        await pilot.pause()
        assert app.focused is screen.nav
        await pilot.press("enter")  # choose the question: type its answer
        await settle(app, pilot)
        assert screen.current == "data.data-volume"
        assert app.focused is screen.editor
        await pilot.press("end", *"; 1.6 TB", "ctrl+s")
        await settle(app, pilot)
        await pilot.press("escape", "x")
        await pilot.pause()
        assert len(screen.shown) == 37
        assert not screen.query_one("#search", Input).display
    assert fresh.entry("data.data-volume").answer == "About 45 GB of telemetry a month; 1.6 TB"
    assert commit_count(fresh.root) == before + 1


async def test_progress_counts_and_enter_goes_to_an_open_question(fresh: Project, make_app) -> None:
    fresh.save(FIRST, answer="answered", status="agreed")
    fresh.save("data.privacy", answer="to check", status="needs-review")
    app = make_app(fresh)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        summary = text_of(progress.query_one("#progress-summary", Static))
        assert summary.startswith("2 of 37 answered")
        assert "● 1 agreed" in summary and "! 1 needs-review" in summary and "○ 35 open" in summary
        gaps = progress.query_one("#gaps", OptionList)
        assert gaps.option_count == 36  # 35 open and 1 needing review
        ids = [gaps.get_option_at_index(i).id for i in range(gaps.option_count)]
        assert ids[0] == "data.privacy"  # needs review comes first
        assert set(ids[1:]) == {q.id for q in fresh.form.questions} - {FIRST, "data.privacy"}
        assert app.focused is gaps
        await pilot.press("down")
        target = gaps.get_option_at_index(gaps.highlighted).id  # the first open question shown
        assert target == ids[1]
        await pilot.press("enter")
        await settle(app, pilot)
        screen = form(app)
        assert screen.current == target
        assert app.focused is screen.editor
        await pilot.press(*"after the jump", "ctrl+s")
        await settle(app, pilot)
    assert fresh.entry(target).answer == "after the jump"
    assert subjects(fresh.root)[0] == f"Answer {target}"


async def test_help_shows_the_front_page_and_the_keys(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"before help")
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        front = text_of(help_screen.query_one("#help-front-page", Static))
        keys = text_of(help_screen.query_one("#help-keys", Static))
        assert "Form utilization and purpose" in front
        assert "Scoping" in front and "Deployment" in front
        for key in ("ctrl+n", "ctrl+o", "ctrl+t", "ctrl+s", "ctrl+f", "ctrl+g", "ctrl+q", "f2"):
            assert key in keys
        await pilot.press("escape")
        await settle(app, pilot)
        screen = form(app)
        assert screen.editor.text == "before help"
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "before help")
    assert subjects(fresh.root)[0] == f"Answer {FIRST}"


async def test_go_to_question_palette_finds_a_question_by_words(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert CommandPalette.is_open(app)
        await pilot.press(*"resources")
        await pilot.pause(0.3)  # the palette searches in the background
        await workers_done(app)
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        screen = form(app)
        assert screen.current == "scoping.resources"
        await pilot.press(*"Two people", "ctrl+s")
        await settle(app, pilot)
    assert fresh.entry("scoping.resources").answer == "Two people"
    assert subjects(fresh.root)[0] == "Answer scoping.resources"


async def test_ctrl_q_saves_what_was_typed_and_quits(fresh: Project, make_app, slow_autosave) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"typed, then quit")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    assert fresh.entry(FIRST).answer == "typed, then quit"
    assert log(fresh.root)[:2] == ["Test Person", f"Answer {FIRST}"]
    assert git_status(fresh.root) == ""
    assert not list((fresh.root / ".mlreq" / "drafts").glob("*.json")), "a saved answer left a draft behind"


async def test_escape_sequences_from_files_show_as_symbols_and_are_not_rewritten(fresh: Project, make_app) -> None:
    raw = "before \x1b]2;PWNED\x07 after"
    fresh.save(FIRST, answer=raw)
    before = (fresh.root / "answers" / "scoping.toml").read_bytes()
    app = make_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = form(app)
        await pilot.pause()
        assert "\x1b" not in screen.editor.text and "\x07" not in screen.editor.text
        assert screen.editor.text == "before ␛]2;PWNED␇ after"
        await pilot.press("ctrl+n", "ctrl+r")  # moving past it is not editing it
        await settle(app, pilot)
    assert fresh.entry(FIRST).answer == raw
    assert (fresh.root / "answers" / "scoping.toml").read_bytes() == before
    assert commit_count(fresh.root) == 2


async def test_without_a_git_identity_the_app_asks_once_and_commits_under_that_name(
    fresh: Project, make_app, no_identity, slow_autosave
) -> None:
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, IdentityPrompt))
        await pilot.press(*"Ben", "tab", *"ben@x.io", "enter")
        await settle(app, pilot)
        screen = form(app)
        assert app.focused is screen.editor
        await pilot.press(*"one", "ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+n", *"two", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, IdentityPrompt)
    assert log(fresh.root, "%an <%ae>|%s")[:2] == [
        f"Ben <ben@x.io>|Answer {SECOND}",
        f"Ben <ben@x.io>|Answer {FIRST}",
    ]


async def test_a_terminal_below_80x24_is_told_so(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        assert any("at least 80x24" in n and "70x20" in n for n in notifications(app)), notifications(app)
        await pilot.press(*"still works")  # a small terminal is a warning, not a stop
        assert await wait_until(pilot, lambda: fresh.entry(FIRST).answer == "still works")
