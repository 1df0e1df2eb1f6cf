"""Issue 11 in the app: the history screen's preview, iterations renamed and deleted from
it, restoring with a confirmation, and why the progress screen ranks a question first.
Each test drives the real app on a copy of the demo and checks the screen, disk and git."""

from __future__ import annotations

from mlreq.projects import Project
from mlreq.projects.history import History
from mlreq.tui.modals.choice_modal import ChoiceModal
from mlreq.tui.modals.fields_prompt import FieldsPrompt
from mlreq.tui.modals.iteration_prompt import IterationPrompt
from mlreq.tui.screens.form_screen import FormScreen
from mlreq.tui.screens.history_screen import HistoryScreen
from mlreq.tui.screens.progress_screen import ProgressScreen
from mlreq.tui.screens.timeline_screen import TimelineScreen
from mlreq.tui.widgets.diff_view import DiffView

from tui_helpers import commit_count, git, settle, subjects, wait_until


def _text(widget) -> str:  # type: ignore[no-untyped-def]
    return str(widget.render())


async def test_progress_says_why_an_open_question_ranks_where_it_does(demo: Project, make_app) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ProgressScreen))
        gaps = app.screen.query_one("#gaps")
        reason = app.screen.query_one("#gap-reason")
        first_open = next(i for i in range(gaps.option_count) if demo.entries()[gaps.get_option_at_index(i).id].status == "open")
        gaps.highlighted = first_open
        await pilot.pause()
        question = demo.question(gaps.get_option_at_index(first_open).id)
        shown = " ".join(_text(reason).split())
        assert f"{question.id}: {question.priority} priority" in shown
        assert "if unanswered: " + " ".join(question.impact.split()[:6]) in shown  # cut to 3 lines at 80x24
        gaps.highlighted = 0  # data.privacy: flagged, with the reviewer's note
        await pilot.pause()
        assert "needs review: Data source changed" in _text(reason)


def _reworded_answer(project: Project) -> tuple[str, str, str, int]:
    """A demo question whose first wording differs from its latest: (id, first, latest, versions)."""
    history = History(project)
    for question in project.form.questions:
        versions = history.timeline(question.id)
        if versions and versions[0].entry.answer != versions[-1].entry.answer:
            return question.id, versions[0].entry.answer, versions[-1].entry.answer, len(versions)
    raise AssertionError("the demo has no reworded answer")


async def test_restoring_asks_first_and_the_commit_names_the_version(demo: Project, make_app) -> None:
    qid, first, latest, count = _reworded_answer(demo)
    commits = commit_count(demo.root)
    app = make_app(demo)
    async with app.run_test(size=(100, 30)) as pilot:
        form = app.screen
        assert isinstance(form, FormScreen)
        form.go_to(qid)
        await settle(app, pilot)
        form.action_timeline()
        assert await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen) and len(app.screen.versions) == count)
        await pilot.press("home", "r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal))
        assert f"Replace the answer to {qid} with version #1" in app.screen.title_text
        await pilot.press("escape")  # changed my mind: nothing happens
        assert await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await settle(app, pilot)
        assert form.editor.text == latest and commit_count(demo.root) == commits
        await pilot.press("r", "enter")
        assert await wait_until(pilot, lambda: app.screen is form)
        assert form.editor.text == first
        assert await wait_until(pilot, lambda: commit_count(demo.root) == commits + 1)
        await settle(app, pilot)
    subject = subjects(demo.root)[0]
    assert subject.startswith(f"Restore {qid} from ")
    assert Project.open(demo.root).entry(qid).answer == first


async def open_history(app, pilot):  # type: ignore[no-untyped-def]
    """F3 from the form; returns the history screen once its list and first preview are in."""
    await settle(app, pilot)
    await pilot.press("f3")
    assert await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
    screen = app.screen
    points = screen.query_one("#history-points")
    assert await wait_until(pilot, lambda: points.option_count > 0 and screen.query_one(DiffView).summary.startswith("Now"))
    return screen


async def test_the_history_preview_follows_the_highlight_on_the_whole_80x24_screen(reviewed: Project, make_app) -> None:
    app = make_app(reviewed)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_history(app, pilot)
        diff = screen.query_one(DiffView)
        points = screen.query_one("#history-points")
        assert diff.region.width == 80 and points.region.width == 80  # the list above, the diff below
        await pilot.press("down")  # Chen's save, since the last iteration
        assert await wait_until(pilot, lambda: diff.summary.startswith("What save ") and "Chen Wei) changed: 1 question(s)" in diff.summary)
        await pilot.press("down")
        assert await wait_until(pilot, lambda: diff.summary == "Up to ◆ After the data audit (2026-05-13): 2 question(s) changed")
        shown = " ".join(str(w.render()) for w in diff.query(".diff-change"))
        assert "answer before:" in shown and "answer after:" in shown  # one above the other at 80 columns
        assert "status: draft → agreed" in shown
        await pilot.press("down", "down", "down", "f", "home")  # from the kick-off to now
        assert await wait_until(pilot, lambda: diff.summary.startswith("From ◆ Kick-off workshop"))
        assert diff.summary == "From ◆ Kick-off workshop (2026-03-03) to now (x clears from/to): 3 question(s) changed"
        await pilot.press("enter")  # the diff alone
        assert await wait_until(pilot, lambda: points.region.width == 0)
        assert diff.region.width == 80 and diff.region.height == 22 and app.focused is diff
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: points.region.width == 80)
        await pilot.press("x", "down")
        assert await wait_until(pilot, lambda: diff.summary.startswith("What "))


def _tags(project: Project) -> list[str]:
    return git(project.root, "tag", "--list").split()


async def test_iterations_named_renamed_and_deleted_in_the_app(reviewed: Project, make_app) -> None:
    commits = commit_count(reviewed.root)
    app = make_app(reviewed)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("f5")  # from the answer box: name this state
        assert await wait_until(pilot, lambda: isinstance(app.screen, IterationPrompt))
        await pilot.press(*"Pilot", "enter")
        assert await wait_until(pilot, lambda: "iteration/pilot" in _tags(reviewed))
        screen = await open_history(app, pilot)
        points = screen.query_one("#history-points")
        kickoff = next(i for i in range(points.option_count) if "Kick-off" in str(points.get_option_at_index(i).prompt))
        points.highlighted = kickoff
        await pilot.press("e")
        assert await wait_until(pilot, lambda: isinstance(app.screen, FieldsPrompt) and bool(app.screen.query("#field-name")))
        app.screen.query_one("#field-name").value = "Kick-off"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "iteration/kick-off" in _tags(reviewed) and app.screen is screen)
        assert await wait_until(pilot, lambda: any("◆ Kick-off  " in str(points.get_option_at_index(i).prompt) for i in range(points.option_count)))
        points.highlighted = next(i for i in range(points.option_count) if "◆ Kick-off  " in str(points.get_option_at_index(i).prompt))
        await pilot.press("delete")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal))
        assert "every save, and the commit it marked, stay" in app.screen.title_text
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "iteration/kick-off" not in _tags(reviewed))
        await settle(app, pilot)
    assert _tags(reviewed) == ["iteration/after-the-data-audit", "iteration/pilot"]
    assert commit_count(reviewed.root) == commits  # naming, renaming and deleting never commit


async def test_the_timeline_at_80x24_gives_the_version_text_the_room(demo: Project, make_app) -> None:
    """The list of versions takes what its rows need; the question and the text are read
    whole lines at a time (the question used to break after 21 characters)."""
    from tui_helpers import screen_text

    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.screen.action_timeline()
        assert await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen) and app.screen.versions)
        await settle(app, pilot)
        rows = screen_text(app).splitlines()
        assert any("What are the business problems?" in row for row in rows)
        assert any("#1 " in row and "Ana Lindqvist" in row for row in rows)  # the rows still fit
