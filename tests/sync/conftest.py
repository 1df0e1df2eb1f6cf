"""Fixtures for sync: a real bare repository as the team's remote and real clones of it.

Reuses tests/conftest.py (its autouse `git_config` isolates HOME and git's config; `cli`
runs `mlreq` in-process). This folder is a package so that its conftest does not replace
the top-level `conftest` module that the other test files import helpers from.

Nothing is mocked: the remote is a bare repository reached as `file://` or as a plain
path, the clones are made by `mlreq clone`, and merges run the installed merge driver.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import Outcome, assert_fsck_clean, assert_one_line_error, console, git, read_answers

__all__ = ["Outcome", "assert_fsck_clean", "assert_one_line_error", "console", "git", "read_answers"]  # re-exported

# Adjacent questions in the same answer file, neither building on the other: a line-based
# merge of edits to these two would conflict, a merge by question must not.
NEIGHBOUR_A = "data.ownership"
NEIGHBOUR_B = "data.data-volume"
# Questions no other question builds on: a change to one flags nothing else for review.
RESOURCES = "scoping.resources"  # scoping.toml
AUDIT = "modeling.audit"  # modeling.toml
STORAGE = "modeling.experiment-storage"  # modeling.toml
CONFLICT_MARKERS = ("<<<<<<<", ">>>>>>>", "|||||||")


def bare(path: Path) -> Path:
    git(path.parent, "init", "--quiet", "--bare", path.name)
    return path


def hub_log(hub: Path) -> str:
    """Every commit and tag of the remote with its full patch: what the team can get back."""
    return git(hub, "log", "-p", "--all", "--no-color", "--no-ext-diff", "--format=%H %s%n%b")


def working_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts]


def assert_no_conflict_markers(*roots: Path) -> None:
    for root in roots:
        for path in working_files(root):
            text = path.read_text("utf-8", "replace")
            for marker in CONFLICT_MARKERS:
                assert marker not in text, f"{path} holds {marker}"


@dataclass
class Team:
    """A bare `hub` remote, the `origin` folder the project was created in, and two clones.

    `a` was cloned through a `file://` URL, `b` through the hub's plain path. `typed`
    collects every answer text typed on any side, for the end-of-test check.
    """

    hub: Path
    origin: Path
    a: Path
    b: Path
    cli: Callable[..., Outcome]
    typed: list[str] = field(default_factory=list)

    def mlreq(self, side: Path, *argv: str, ok: bool = True) -> Outcome:
        outcome = self.cli(*argv, cwd=side)
        if ok:
            # `sync` exits 7 exactly when it kept both versions of something changed on both sides.
            kept = argv[:1] == ("sync",) and "both versions kept" in outcome.out
            assert outcome.code == (7 if kept else 0), outcome
        return outcome

    def answer(self, side: Path, qid: str, text: str, *more: str) -> Outcome:
        self.typed.append(text)
        return self.mlreq(side, "answer", qid, "--text", text, *more)

    def sync(self, side: Path, *more: str, ok: bool = True) -> Outcome:
        return self.mlreq(side, "sync", *more, ok=ok)

    def show(self, side: Path, qid: str) -> dict:
        import json

        return json.loads(self.mlreq(side, "show", qid, "--json").out)

    def assert_nothing_lost(self, *more_repos: Path) -> None:
        """Every typed answer is in the remote's history; git fsck is clean everywhere."""
        log = hub_log(self.hub)
        missing = [text for text in self.typed if text not in log]
        assert not missing, f"answers missing from the remote's history: {missing}"
        for repo in (self.hub, self.a, self.b, *more_repos):
            assert_fsck_clean(repo)
        assert_no_conflict_markers(self.a, self.b, *more_repos)
        for marker in CONFLICT_MARKERS:
            assert marker not in log, f"a commit on the remote holds {marker}"


@dataclass
class Solo:
    """One machine: a project pushed to a bare `hub` with `mlreq sync`."""

    hub: Path
    path: Path

    def assert_nothing_lost(self) -> None:
        assert git(self.path, "rev-parse", "HEAD") == git(self.hub, "rev-parse", "main")
        for repo in (self.hub, self.path):
            assert_fsck_clean(repo)


@pytest.fixture
def solo(tmp_path: Path, cli) -> Solo:
    from mlreq.projects import create_project

    hub = bare(tmp_path / "hub.git")
    origin = tmp_path / "origin"
    _, result = create_project(origin, name="Charging stations")
    assert result.ok
    assert cli("remote", "set", f"file://{hub}", cwd=origin).code == 0
    pushed = cli("sync", cwd=origin)
    assert pushed.code == 0 and "pushed" in pushed.out, pushed
    return Solo(hub, origin)


@pytest.fixture
def team(tmp_path: Path, cli, solo: Solo) -> Team:
    """A project created, pushed to a bare hub with `mlreq sync`, and cloned twice."""
    hub, origin = solo.hub, solo.path
    for side, url in (("a", f"file://{hub}"), ("b", str(hub))):
        cloned = cli("clone", url, str(tmp_path / side), cwd=tmp_path)
        assert cloned.code == 0, cloned
    return Team(hub, origin, tmp_path / "a", tmp_path / "b", cli)


def run(cwd: Path, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """A plain command (not mlreq), as a user would type it."""
    return subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
