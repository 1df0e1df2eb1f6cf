"""Fixtures for history, iterations and diffs: real projects with a few saves and tags.

Reuses tests/conftest.py's fixtures (the autouse `git_config` isolating HOME and git's
config, `cli` running `mlreq` in-process, `project_dir`) through pytest, and re-exports
the shared helpers of tests/helpers.py for this folder's tests.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from mlreq.projects import Identity, Project
from mlreq.projects.history import History


from helpers import assert_one_line_error, commit_count, console, git, read_answers, trailers_of  # noqa: F401, E402

ADA = Identity("Ada Analyst", "ada@example.com")
BEN = Identity("Ben Builder", "ben@example.com")
CAI = Identity("Cai Owner", "cai@example.com")

# Questions whose change marks no other answer needs-review in these tests: none of their
# dependents is ever answered here (see projects/impact.py), so every save is one question.
UI = "scoping.user-interface"  # scoping; business stakeholder
RESOURCES = "scoping.resources"  # scoping; product owner
OWNERSHIP = "data.ownership"  # data; legal team among others
AUDIT = "modeling.audit"  # modeling; product owner, legal team
STORAGE = "modeling.experiment-storage"  # modeling; data scientist, IT architect


def save(project: Project, qid: str, answer: str | None = None, *, author: Identity | None = None,
         when: datetime | None = None, **changes: str) -> str:
    """One save through Project.save (one commit); returns the commit hash."""
    if author is not None:
        project.author = author
    result = project.save(qid, answer=answer, when=when, **changes)
    assert result.ok and result.commit, result
    return result.commit


def head(path: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, check=True).stdout.strip()


@dataclass
class Evolved:
    """A project that went through two iterations and has work since the last one.

    creation, s1 (Ada), s2 (Ben)            -> iteration "Kick-off workshop" (with a note)
    s3 (Cai)                                 -> iteration "Review 2"
    s4 (Ada), s5 (Ben)                       -> since the last iteration
    """

    path: Path
    project: Project
    history: History
    creation: str
    saves: list[str]
    kickoff: str = "Kick-off workshop"
    review: str = "Review 2"


@pytest.fixture
def evolved(project_dir: Path) -> Evolved:
    project = Project.open(project_dir)
    history = History(project)
    creation = head(project_dir)
    s1 = save(project, UI, "A web dashboard for field engineers.", author=ADA)
    s2 = save(project, OWNERSHIP, "The operator owns the telemetry data.", author=BEN)
    history.create_iteration("Kick-off workshop", "First workshop with the operator\nsecond line of the note")
    s3 = save(project, UI, "A mobile dashboard for field engineers.", author=CAI)
    history.create_iteration("Review 2")
    s4 = save(project, RESOURCES, "Two data engineers for three months.", author=ADA)
    s5 = save(project, OWNERSHIP, "The vendor owns the telemetry data.", author=BEN)
    return Evolved(project_dir, project, history, creation, [s1, s2, s3, s4, s5])


def assert_no_stray_files(*folders: Path) -> None:
    """No file that an option-looking string given to git (`--output=x`, `-x`) would create."""
    for folder in folders:
        strays = [
            p for p in folder.rglob("*")
            if ".git" not in p.relative_to(folder).parts and (p.name.startswith("-") or p.name in ("x", "rf", "output=x"))
        ]
        assert not strays, strays
