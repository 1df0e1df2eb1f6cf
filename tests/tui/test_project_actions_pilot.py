"""The form screen's project-wide actions, driven from the keyboard: tailoring, export,
iterations and history. Each test checks what lands on disk and in git."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from mlreq.projects import Project
from mlreq.tui.modals.choice_modal import ChoiceModal
from mlreq.tui.modals.export_dialog import ExportDialog
from mlreq.tui.modals.fields_prompt import FieldsPrompt
from mlreq.tui.modals.iteration_prompt import IterationPrompt
from mlreq.tui.screens.history_screen import HistoryScreen

from tui_helpers import git, settle, subjects, wait_until


def form_ids(root: Path) -> list[str]:
    return [q["id"] for q in tomllib.loads((root / "form.toml").read_text("utf-8"))["questions"]]


async def test_switching_on_an_optional_question_and_removing_one(fresh: Project, make_app) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.action_enable_optional()
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("down", "enter")  # the second offered: data.data-leakage
        assert await wait_until(pilot, lambda: "data.data-leakage" in screen.shown)
        await settle(app, pilot)
        screen.go_to("scoping.resources")
        screen.action_remove_question()
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("enter")  # "Remove ..."
        assert await wait_until(pilot, lambda: "scoping.resources" not in screen.shown)
        await settle(app, pilot)
    ids = form_ids(fresh.root)
    assert "data.data-leakage" in ids and "scoping.resources" not in ids
    assert subjects(fresh.root)[:2] == ["Form: remove scoping.resources", "Form: enable optional data.data-leakage"]
    assert git(fresh.root, "status", "--porcelain").strip() == ""


async def test_export_from_the_palette_writes_the_file(fresh: Project, make_app, tmp_path: Path, monkeypatch) -> None:
    fresh.save("data.data-source", answer="Charger telemetry")
    monkeypatch.chdir(tmp_path)
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.action_export()
        assert await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        await pilot.pause()
        await pilot.press("tab", "enter")  # from the format to the file name; enter exports
        assert await wait_until(pilot, lambda: any(tmp_path.glob("*.html")))
        await settle(app, pilot)
    page = next(tmp_path.glob("*.html")).read_text("utf-8")
    assert "Charger telemetry" in page and "<script" in page  # the page's own filter script
    assert os.path.getsize(next(tmp_path.glob("*.html"))) > 1000


async def test_naming_an_iteration_and_opening_the_history(fresh: Project, make_app) -> None:
    fresh.save("data.data-source", answer="Charger telemetry")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.action_new_iteration()
        assert await wait_until(pilot, lambda: isinstance(app.screen, IterationPrompt))
        await pilot.press(*"Kick-off workshop", "enter")
        assert await wait_until(pilot, lambda: "Kick-off workshop" in (screen.sub_title or ""))
        await pilot.press("escape", "f3")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert await wait_until(pilot, lambda: "1 iterations" in (app.screen.sub_title or ""))
    tags = git(fresh.root, "tag", "--list").split()
    assert tags == ["iteration/kick-off-workshop"]
    assert "Kick-off workshop" in git(fresh.root, "tag", "-n1", "--list")


async def test_adding_and_rewording_a_question_from_the_app(fresh: Project, make_app) -> None:
    fresh.save("data.data-source", answer="Charger telemetry", status="agreed")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.go_to("data.data-source")
        await pilot.pause()
        screen.action_add_question()
        assert await wait_until(pilot, lambda: isinstance(app.screen, FieldsPrompt) and bool(app.screen.query("#field-text")))
        await pilot.press(*"Which checks run at ingestion?", "tab", *"Data engineer, legal", "enter")
        assert await wait_until(pilot, lambda: "data.which-checks-run-at-ingestion" in screen.shown)
        await settle(app, pilot)
        screen.action_reword_question()
        assert await wait_until(pilot, lambda: isinstance(app.screen, FieldsPrompt) and bool(app.screen.query("#field-text")))
        app.screen.query_one("#field-text").value = "Where does the data come from, and who owns it?"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: screen.form.question("data.data-source").text.endswith("who owns it?"))
        await settle(app, pilot)
        assert screen.expected["data.data-source"].status == "needs-review"  # the app knows its answer is flagged
        assert "Needs review: the question was reworded" in str(screen.query_one("#q-review").render())
    reopened = Project.open(fresh.root)
    added = reopened.form.question("data.which-checks-run-at-ingestion")
    assert added is not None and added.origin == "mlreq" and added.roles == ("data-engineer", "legal-team")
    assert reopened.form.question("data.data-source").text == "Where does the data come from, and who owns it?"
    assert subjects(fresh.root)[:2] == ["Form: reword data.data-source", "Form: add data.which-checks-run-at-ingestion"]


async def test_typing_over_an_answer_others_build_on_warns_then_flags_them(fresh: Project, make_app) -> None:
    fresh.save("data.data-source", answer="Charger telemetry")
    fresh.save("data.data-format", answer="Parquet", status="agreed")
    fresh.save("data.preprocessing", answer="Deduplicate the messages")  # builds on data-format: further down
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.go_to("data.data-source")
        await pilot.pause()
        screen.editor.focus()
        await settle(app, pilot)
        assert app.focused is screen.editor and screen.current == "data.data-source"
        await pilot.press("end", *" and the service log")
        ripple = screen.query_one("#q-ripple")
        assert await wait_until(pilot, lambda: "data.data-format" in str(ripple.render()) and ripple.display)
        assert "May be affected, not flagged: data.preprocessing" in str(ripple.render())
        assert screen.editor.text == "Charger telemetry and the service log"
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: Project.open(fresh.root).entry("data.data-format").status == "needs-review"), (
            Project.open(fresh.root).entry("data.data-source"), screen.indicator.detail)
        await settle(app, pilot)
        assert screen.expected["data.data-format"].status == "needs-review"
        assert not ripple.display  # saved: nothing more to warn about
    flagged = Project.open(fresh.root).entry("data.data-format")
    assert "data.data-source changed" in flagged.review
    assert Project.open(fresh.root).entry("data.preprocessing").status == "draft"  # shown, never flagged
    assert subjects(fresh.root)[0] == "Answer data.data-source"


async def test_review_view_confirms_one_flag_and_opens_another_to_edit(fresh: Project, make_app) -> None:
    from mlreq.tui.screens.review_screen import ReviewScreen

    fresh.save("data.data-source", answer="Charger telemetry")
    fresh.save("data.data-format", answer="Parquet", status="agreed")
    fresh.save("data.data-volume", answer="45 GB a month")
    Project.open(fresh.root).save("data.data-source", answer="Charger telemetry and tickets")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("escape", "f9")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen) and len(app.screen.items) == 2)
        reason = str(app.screen.query_one("#review-reason").render())
        assert "data.data-source changed, by Test Person" in reason and "and tickets" in reason
        await pilot.press("c")  # data.data-format still holds
        assert await wait_until(pilot, lambda: [i.question_id for i in app.screen.items] == ["data.data-volume"])
        await pilot.press("e")
        assert await wait_until(pilot, lambda: app.screen is screen and screen.current == "data.data-volume")
        await settle(app, pilot)
        assert app.focused is screen.editor
        assert screen.entries["data.data-format"].status == "agreed"
    confirmed = Project.open(fresh.root).entry("data.data-format")
    assert (confirmed.status, confirmed.review) == ("agreed", "")
    assert subjects(fresh.root)[0] == "Confirm data.data-format still holds"


async def test_f6_marks_an_edit_minor_so_it_flags_nothing(fresh: Project, make_app) -> None:
    fresh.save("data.data-source", answer="Charger telemetry")
    fresh.save("data.data-format", answer="Parquet", status="agreed")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.go_to("data.data-source")
        await pilot.pause()
        screen.editor.focus()
        await settle(app, pilot)
        await pilot.press("f6", "end", *" (CPMS)", "ctrl+s")
        assert await wait_until(pilot, lambda: screen.minor_edits == {"data.data-source"}), (screen.minor_edits, screen.editor.text)
        assert await wait_until(pilot, lambda: subjects(fresh.root)[0] == "Answer data.data-source (minor edit)")
        await settle(app, pilot)
    assert Project.open(fresh.root).entry("data.data-format").status == "agreed"


async def test_f8_marks_agreed_with_the_roles_chosen(fresh: Project, make_app) -> None:
    from mlreq.tui.modals.sign_off_picker import SignOffPicker

    fresh.save("data.privacy", answer="No personal data is kept")
    app = make_app(Project.open(fresh.root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.go_to("data.privacy")
        await settle(app, pilot)
        await pilot.press("f8")
        assert await wait_until(pilot, lambda: isinstance(app.screen, SignOffPicker))
        await pilot.press("space", "enter")  # the first preselected role (Business stakeholder) did not agree
        assert await wait_until(pilot, lambda: Project.open(fresh.root).entry("data.privacy").status == "agreed")
        await settle(app, pilot)
        assert "agreed by partly: Product owner, Data engineer, Legal team (not yet: Business stakeholder)" in str(
            screen.query_one("#q-heading").render())
    assert Project.open(fresh.root).entry("data.privacy").agreed_by == ("product-owner", "data-engineer", "legal-team")
