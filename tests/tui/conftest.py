"""Fixtures for the terminal app's tests: real projects in tmp_path, an app factory, git helpers.

The autouse `git_config` fixture of tests/conftest.py already isolates HOME and git's
configuration (a test identity, no system config, no MLREQ_AUTHOR). Nothing here mocks git
or the project: apps run on real repositories through `App.run_test`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlreq.projects import Project, create_project

FAST_AUTOSAVE = 0.2
"""Seconds of quiet before an autosave in tests (the app's default is 2 s)."""
POLL = 0.2
"""Seconds between the app's looks at the disk in tests."""


@pytest.fixture(autouse=True)
def no_user_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recent projects and rescued drafts go under the test's HOME, never the real one."""
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)


@pytest.fixture(autouse=True)
def fast_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorten the autosave delay: a setting, not a mock; the save path is the real one."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", FAST_AUTOSAVE)


@pytest.fixture
def fresh(tmp_path: Path) -> Project:
    """A newly created v3 project, its own git repository, nothing answered."""
    project, result = create_project(tmp_path / "proj", name="Test project")
    assert result.ok and result.commit
    return Project.open(project.root)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per session with its own isolated git config."""
    from mlreq.projects.demo import ensure_demo

    home = tmp_path_factory.mktemp("demo-home")
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("MLREQ_AUTHOR", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                     "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EMAIL"):
            mp.delenv(name, raising=False)
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_GLOBAL", str(config))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        path = tmp_path_factory.mktemp("demo-template") / "demo"
        ensure_demo(path)
    return path


@pytest.fixture
def demo(_demo_template: Path, tmp_path: Path) -> Project:
    """A private copy of the demo project (a real repository with its history)."""
    path = tmp_path / "demo"
    shutil.copytree(_demo_template, path, symlinks=True)
    return Project.open(path)


@pytest.fixture
def make_app():
    """`make_app(project)`: the app as `mlreq` builds it, polling the disk every POLL s."""
    from mlreq.tui.app import MlreqApp

    def make(project: Project, poll_interval: float = POLL) -> MlreqApp:
        return MlreqApp(project, project.entries(), poll_interval=poll_interval)

    return make
