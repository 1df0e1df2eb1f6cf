"""A project inside a larger repository pushes only when asked, after showing what would go."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlreq.projects import Project, create_project

from .conftest import AUDIT, STORAGE, assert_fsck_clean, bare, git, hub_log, run


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    """The team's code repository, with the requirements project in `reqs/`."""
    repo = tmp_path / "mono"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "--quiet")
    (repo / "src" / "train.py").write_text("print('train')\n")
    git(repo, "add", "src/train.py")
    git(repo, "commit", "--quiet", "-m", "Training code")
    _, result = create_project(repo / "reqs", name="Charging stations")
    assert result.ok
    return repo


def test_sync_lists_the_commits_and_pushes_only_with_push(mono: Path, tmp_path: Path, cli):
    hub = bare(tmp_path / "hub.git")
    project = mono / "reqs"
    assert cli("remote", "set", str(hub), cwd=project).code == 0
    assert cli("answer", AUDIT, "--text", "Quarterly audit.", cwd=project).code == 0

    shown = cli("sync", cwd=project)

    assert shown.code == 0, shown
    assert "not pushed (the project shares its repository)" in shown.out and "mlreq sync --push" in shown.out
    listed = shown.out.split("mlreq sync --push`:", 1)[1]
    for subject in ("Training code", "Create requirements project", "Answer modeling.audit"):
        assert subject in listed
    assert git(hub, "for-each-ref") == ""  # nothing went
    assert "not pushed" in cli("sync", "--no-push", cwd=project).out
    assert git(hub, "for-each-ref") == ""

    pushed = cli("sync", "--push", cwd=project)

    assert pushed.code == 0 and "pushed" in pushed.out and "not pushed" not in pushed.out
    assert git(hub, "rev-parse", "main") == git(mono, "rev-parse", "HEAD")

    # A teammate clones the whole repository with plain git and answers through mlreq.
    other = tmp_path / "other"
    assert run(tmp_path, "git", "clone", "--quiet", str(hub), str(other)).returncode == 0
    assert cli("answer", STORAGE, "--text", "MLflow on the team server.", cwd=other / "reqs").code == 0
    assert cli("sync", "--push", cwd=other / "reqs").code == 0
    assert cli("answer", AUDIT, "--text", "Monthly audit.", cwd=project).code == 0

    merged = cli("sync", cwd=project)

    assert "fetched" in merged.out and "merged by question" in merged.out
    waiting = merged.out.split("mlreq sync --push`:", 1)[1]
    assert "Answer modeling.audit" in waiting and "Training code" not in waiting  # only what is new
    assert "Monthly audit." not in hub_log(hub)
    assert cli("sync", "--push", cwd=project).code == 0
    assert cli("sync", cwd=other / "reqs").code == 0
    entries = Project.open(other / "reqs").entries()
    assert entries[AUDIT].answer == "Monthly audit." and entries[STORAGE].answer == "MLflow on the team server."
    log = hub_log(hub)
    for text in ("Quarterly audit.", "Monthly audit.", "MLflow on the team server."):
        assert text in log
    for repo in (hub, mono, other):
        assert_fsck_clean(repo)
    assert (mono / "src" / "train.py").read_text() == "print('train')\n"
