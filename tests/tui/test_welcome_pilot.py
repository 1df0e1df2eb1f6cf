"""Started outside a project: the welcome screen offers a new project, the demo, recent ones."""

from __future__ import annotations

from pathlib import Path

from mlreq.projects import Project
from mlreq.tui.app import MlreqApp
from mlreq.tui.modals.new_project import NewProjectDialog
from mlreq.tui.screens.form_screen import FormScreen
from mlreq.tui.screens.welcome_screen import WelcomeScreen

from tui_helpers import git, settle, wait_until


async def test_a_new_project_from_the_welcome_screen(tmp_path: Path) -> None:
    app = MlreqApp(None, start_dir=tmp_path, poll_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        await pilot.press("n")
        assert await wait_until(pilot, lambda: isinstance(app.screen, NewProjectDialog) and bool(app.screen.query("#name")))
        await pilot.press(*"Charger faults", "enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), timeout=20)
        await settle(app, pilot)
        assert "Charger faults" in (app.screen.title or "")
    root = tmp_path / "charger-faults"
    project = Project.open(root)
    assert project.name == "Charger faults" and len(project.form.questions) == 37
    assert git(root, "log", "--format=%s").strip() == 'Create requirements project "Charger faults"'


async def test_a_bad_project_name_is_refused_in_the_dialog(tmp_path: Path) -> None:
    app = MlreqApp(None, start_dir=tmp_path, poll_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        await pilot.press("n")
        assert await wait_until(pilot, lambda: isinstance(app.screen, NewProjectDialog) and bool(app.screen.query("#name")))
        await pilot.press(*"a/b", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NewProjectDialog)
        error = str(app.screen.query_one("#new-project-error").render())
        assert "may not contain" in error
    assert list(tmp_path.iterdir()) == []  # nothing was created
