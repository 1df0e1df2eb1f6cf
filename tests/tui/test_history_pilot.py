"""Issue 11 in the app: the history screen's preview, iterations renamed and deleted from
it, restoring with a confirmation, and why the progress screen ranks a question first.
Each test drives the real app on a copy of the demo and checks the screen, disk and git."""

from __future__ import annotations

from mlreq.projects import Project
from mlreq.projects.history import History
from mlreq.tui.modals.choice_modal import ChoiceModal
from mlreq.tui.screens.form_screen import FormScreen
from mlreq.tui.screens.progress_screen import ProgressScreen
from mlreq.tui.screens.timeline_screen import TimelineScreen

from tui_helpers import commit_count, settle, subjects, wait_until


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
        assert "if unanswered: " + " ".join(question.impact.split()) in shown
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
