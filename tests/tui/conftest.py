"""Fixtures for the terminal app's tests: real projects in tmp_path, an app factory, git helpers.

The autouse `git_config` fixture of tests/conftest.py already isolates HOME and git's
configuration (a test identity, no system config, no MLREQ_AUTHOR). Nothing here mocks git
or the project: apps run on real repositories through `App.run_test`.
"""

from __future__ import annotations

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


@pytest.fixture
def make_app():
    """`make_app(project)`: the app as `mlreq` builds it, polling the disk every POLL s."""
    from mlreq.tui.app import MlreqApp

    def make(project: Project, poll_interval: float = POLL) -> MlreqApp:
        return MlreqApp(project, project.entries(), poll_interval=poll_interval)

    return make


@pytest.fixture
def reviewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A small project with two iterations, every commit and tag at a fixed date, so the
    history screen (which shows dates) looks the same on any day (issue 11 item 2)."""
    from datetime import datetime, timezone

    from mlreq.projects import Identity
    from mlreq.projects.history import History

    def at(month: int, day: int, hour: int = 10) -> datetime:
        return datetime(2026, month, day, hour, tzinfo=timezone.utc)

    def clock(moment: datetime) -> None:  # creation and tags take git's dates from the environment
        monkeypatch.setenv("GIT_AUTHOR_DATE", moment.isoformat())
        monkeypatch.setenv("GIT_COMMITTER_DATE", moment.isoformat())

    clock(at(3, 2, 9))
    created, result = create_project(tmp_path / "proj", name="Charger faults")
    assert result.ok and result.commit
    project = Project.open(created.root)
    saves = [
        ((3, 2), "Ana Lindqvist", "scoping.business-problems", "Drivers find broken chargers before we do.", "draft"),
        ((3, 2), "Ben Okafor", "data.data-source", "Charger telemetry (OCPP) from the operator's backend.", "draft"),
        "Kick-off workshop",
        ((5, 12), "Ana Lindqvist", "scoping.business-problems",
         "We want to find faulty chargers 24-72 hours before they stop delivering power, so that drivers never find them first.", "draft"),
        ((5, 12), "Ben Okafor", "data.data-source",
         "Charger telemetry (OCPP) and two years of service tickets, joined by charger id.", "agreed"),
        "After the data audit",
        ((6, 3), "Chen Wei", "scoping.resources", "Two data engineers for three months.", "draft"),
    ]
    hour = 10
    for item in saves:
        hour += 1
        if isinstance(item, str):
            clock(at(3 if item.startswith("Kick") else 5, 13 if item.startswith("After") else 3, hour))
            History(project).create_iteration(item)
            continue
        (month, day), who, qid, answer, status = item
        project.author = Identity(who, who.split()[0].lower() + "@example.com")
        saved = project.save(qid, answer=answer, status=status, when=at(month, day, hour))
        assert saved.ok and saved.commit, saved
    monkeypatch.delenv("GIT_AUTHOR_DATE")
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    return Project.open(created.root)
