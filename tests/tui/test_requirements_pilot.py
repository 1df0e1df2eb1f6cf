"""The app: a requirement written from the current answer (w), and the requirements screen
(l): grouped by question, filtered, Enter goes to the question. Real project, real git."""

from __future__ import annotations

import tomllib

from textual.widgets import OptionList, Select, Static, TextArea

from mlreq.projects import Project
from mlreq.projects.requirements import new_requirement, retire_requirement
from mlreq.tui.modals.requirement_editor import RequirementEditor
from mlreq.tui.screens.progress_screen import ProgressScreen
from mlreq.tui.screens.requirements_screen import RequirementsScreen

from test_snapshots import still
from tui_helpers import git, settle, wait_until

SOURCE = "data.data-source"


async def test_w_writes_a_requirement_from_the_answer_in_one_commit(fresh: Project, make_app) -> None:
    fresh.save(SOURCE, answer="Charger logs via OCPP")
    project = Project.open(fresh.root)
    app = make_app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.go_to(SOURCE)
        app.screen.action_browse()
        await settle(app, pilot)
        await pilot.press("w")
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementEditor))
        editor = app.screen
        assert "Charger logs via OCPP" in str(editor.query_one("#requirement-answer", Static).render())
        editor.query_one("#requirement-pattern", Select).value = "event"
        await pilot.pause()
        text = editor.query_one("#requirement-text", TextArea)
        assert text.text == "When <trigger>, the system shall <response>"  # the template follows the pattern
        text.text = "When a charger sends an OCPP fault, the system shall store it within 1 minute."
        editor.query_one("#requirement-criteria", TextArea).text = "a replayed fault is stored within 60 s\n"
        broken = fresh.root / "requirements.toml"
        broken.write_text("last_id = \"many\"\n", "utf-8")  # a bad hand edit: the save must fail, keeping the text
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementEditor) and app.screen is not editor)
        again = app.screen
        assert "Not saved: requirements.toml: last_id must be a whole number" in str(again.query_one("#requirement-error", Static).render())
        assert again.query_one("#requirement-text", TextArea).text.startswith("When a charger sends an OCPP fault")
        assert again.query_one("#requirement-pattern", Select).value == "event"
        broken.unlink()
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: broken.exists() and not isinstance(app.screen, RequirementEditor))
        await settle(app, pilot)
    [stored] = tomllib.loads((fresh.root / "requirements.toml").read_text("utf-8"))["requirement"]
    assert stored["id"] == "REQ-001" and stored["from"] == [SOURCE] and stored["pattern"] == "event"
    assert stored["criteria"] == ["a replayed fault is stored within 60 s"]
    assert git(fresh.root, "log", "-1", "--format=%s").strip() == "Add requirement REQ-001 (from data.data-source)"
    assert git(fresh.root, "status", "--porcelain").strip() == ""


async def test_the_requirements_screen_filters_and_goes_to_the_question(fresh: Project, make_app) -> None:
    new_requirement(fresh, [SOURCE], "The system shall read OCPP logs.", criteria=["one log read"])
    new_requirement(fresh, ["scoping.resources"], "The team should be fast.")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.action_browse()
        await settle(app, pilot)
        await pilot.press("l")
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementsScreen))
        listing = app.screen.query_one("#requirements-list", OptionList)
        lines = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert lines[0] == "Scoping" and any("⚠ REQ-002" in line for line in lines)
        assert any("  REQ-001 [draft, ubiquitous]" in line for line in lines)
        await pilot.press("c")  # the first challenge either traces to
        shown = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        assert len([i for i in shown if i]) == 1
        await pilot.press("x")
        ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        listing.highlighted = ids.index("REQ-001")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, RequirementsScreen))
        assert app.screen.current == SOURCE
        app.screen.action_browse()
        await pilot.press("l")  # and back, where it was
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementsScreen))
        listing = app.screen.query_one("#requirements-list", OptionList)
        assert listing.get_option_at_index(listing.highlighted).id == "REQ-001"


async def test_progress_shows_coverage_and_r_lists_answers_without_a_requirement(fresh: Project, make_app) -> None:
    """F2 at 80x24 (issue 13 item 6): the coverage beside the roles; r lists the answered
    questions no requirement in force is written from; Enter goes to one."""
    for qid in (SOURCE, "scoping.resources", "modeling.audit"):
        fresh.save(qid, answer=f"An answer to {qid}")
    new_requirement(fresh, [SOURCE], "The system shall read OCPP logs.", criteria=["one log read"])
    retired = new_requirement(fresh, ["modeling.audit"], "The system shall log every prediction.").requirement
    retire_requirement(fresh, retired.id)  # covers nothing any more
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f2")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ProgressScreen))
        coverage = str(app.screen.query_one("#coverage", Static).render())
        assert coverage.splitlines()[:2] == ["1 in force", "2 answered without one (r)"]
        assert "P5" not in coverage and "uncovered: P1" in coverage
        await pilot.press("r")
        gaps = app.screen.query_one("#gaps", OptionList)
        assert [gaps.get_option_at_index(i).id for i in range(gaps.option_count)] == ["scoping.resources", "modeling.audit"]
        assert str(app.screen.query_one("#gaps-title", Static).render()).startswith("Answered, no requirement yet (2)")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, ProgressScreen))
        assert app.screen.current == "scoping.resources"


async def test_history_shows_requirement_changes_in_its_diff(fresh: Project, make_app) -> None:
    """F3 at 80x24 (issue 13 item 7): an iteration's diff lists the requirements added,
    changed (word-level) and retired since the one before."""
    from mlreq.projects.history import History
    from mlreq.projects.requirements import edit_requirement
    from mlreq.tui.screens.history_screen import HistoryScreen
    from mlreq.tui.widgets.diff_view import DiffView

    kept = new_requirement(fresh, [SOURCE], "The system shall keep logs for 2 years.").requirement
    gone = new_requirement(fresh, ["scoping.resources"], "The system shall train on 2 GPUs.").requirement
    History(fresh).create_iteration("Kick-off")
    edit_requirement(fresh, kept.id, text="The system shall keep raw logs for 3 years.")
    retire_requirement(fresh, gone.id)
    History(fresh).create_iteration("Review")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.query_one("#history-points").option_count)
        await pilot.press("down")  # "Review": what changed since "Kick-off"
        diff = app.screen.query_one(DiffView)
        assert await wait_until(pilot, lambda: diff.summary.startswith("Up to ◆ Review"))
        assert diff.summary.endswith("no answer changed; 2 requirements changed (1 retired)")
        shown = [str(w.render()) if isinstance(w, Static) else "" for w in diff.query(Static)]
        text = "\n".join(shown)
        assert "REQ-001  [changed requirement]  The system shall keep raw logs for 3 years." in text
        assert "REQ-002  [retired requirement]" in text and "status: draft → retired" in text
        assert "text before:\nThe system shall keep logs for 2 years." in text


def test_requirement_editor_80x24(snap_compare, demo: Project, make_app) -> None:
    """w on an answered question: the answer and examples above the pattern, text and criteria, and both buttons."""

    async def open_editor(pilot) -> None:  # type: ignore[no-untyped-def]
        await still(pilot)
        pilot.app.screen.action_browse()
        await pilot.press("w")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, RequirementEditor))
        pilot.app.screen.query_one("#requirement-text", TextArea).cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=open_editor)


def test_requirements_screen_80x24(snap_compare, demo: Project, make_app) -> None:
    """Grouped by stage and question, the EARS marker on the one that fails the check."""
    new_requirement(demo, ["scoping.business-problems"], "When a charger reports a fault code, the system shall "
                    "predict the failing part.", criteria=["95% of 100 recorded faults"])
    new_requirement(demo, [SOURCE], "The system should be fast.")

    async def open_screen(pilot) -> None:  # type: ignore[no-untyped-def]
        await still(pilot)
        pilot.app.screen.action_requirements()
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, RequirementsScreen))
        await pilot.pause()

    assert snap_compare(make_app(Project.open(demo.root)), terminal_size=(80, 24), run_before=open_screen)


def _requirement_drafts(root) -> list[dict]:  # type: ignore[no-untyped-def]
    import json

    folder = root / ".mlreq" / "requirement-drafts"
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def _as_if_its_process_ended(root) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    for path in (root / ".mlreq" / "requirement-drafts").glob("*.json"):
        record = json.loads(path.read_text("utf-8"))
        path.write_text(json.dumps({**record, "session": f"{child.pid}-dead00"}), "utf-8")


async def _write_some(app, pilot, text: str) -> RequirementEditor:  # type: ignore[no-untyped-def]
    app.screen.go_to(SOURCE)
    app.screen.action_browse()
    await settle(app, pilot)
    await pilot.press("w")
    assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementEditor))
    await pilot.press("end", "shift+home", *text, "tab", *"logs kept 90 days")
    return app.screen


async def test_a_requirement_typed_and_never_saved_survives_quitting_and_comes_back(fresh: Project, make_app) -> None:
    """Ctrl+Q (or SIGTERM) with the dialog open: the fields are in a draft; the next session
    says so, w brings them back, Ctrl+S writes the requirement and drops the draft."""
    import signal

    fresh.save(SOURCE, answer="Charger logs via OCPP")
    typed = "The system shall keep every OCPP log."
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await _write_some(app, pilot, typed)
        app._on_signal(signal.SIGTERM)  # no pause: the 0.3 s draft timer has not fired
        await pilot.pause()
    [draft] = _requirement_drafts(fresh.root)
    assert draft["values"]["text"] == typed and draft["values"]["criteria"] == ["logs kept 90 days"]
    assert not (fresh.root / "requirements.toml").exists()
    _as_if_its_process_ended(fresh.root)  # both sessions run in this test's process

    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        from tui_helpers import screen_text

        assert "w on the question brings it back" in " ".join(screen_text(app).split())
        app.screen.go_to(SOURCE)
        app.screen.action_browse()
        await pilot.press("w")
        assert await wait_until(pilot, lambda: isinstance(app.screen, RequirementEditor))
        editor = app.screen
        assert editor.query_one("#requirement-text", TextArea).text == typed
        assert "is back (Esc discards it)" in str(editor.query_one("#requirement-error", Static).render())
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: (fresh.root / "requirements.toml").exists() and not _requirement_drafts(fresh.root))
        await settle(app, pilot)
    [stored] = tomllib.loads((fresh.root / "requirements.toml").read_text("utf-8"))["requirement"]
    assert stored["text"] == typed and stored["criteria"] == ["logs kept 90 days"]


async def test_escape_on_a_typed_requirement_asks_before_discarding_it(fresh: Project, make_app) -> None:
    from mlreq.tui.modals.choice_modal import ChoiceModal

    fresh.save(SOURCE, answer="Charger logs via OCPP")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _write_some(app, pilot, "The system shall keep logs.")
        assert await wait_until(pilot, lambda: len(_requirement_drafts(fresh.root)) == 1)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("enter")  # the first choice: keep writing it
        assert await wait_until(pilot, lambda: app.screen is editor)
        assert editor.query_one("#requirement-text", TextArea).text == "The system shall keep logs."
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("down", "enter")  # discard it
        assert await wait_until(pilot, lambda: not isinstance(app.screen, (ChoiceModal, RequirementEditor)))
        await settle(app, pilot)
        assert _requirement_drafts(fresh.root) == []
        await pilot.press("w", "escape")  # nothing typed: Escape just closes, nothing asked
        assert await wait_until(pilot, lambda: not isinstance(app.screen, (ChoiceModal, RequirementEditor)))
    assert not (fresh.root / "requirements.toml").exists()
