"""Saves and reads on repositories that break git's or the parser's assumptions (issue 10.6).

A file nested thousands deep (arrived by sync) and a repository owned by another user
(git refuses it as "dubious ownership"): every command answers in one line, a save
writes nothing it cannot commit-check first, and a command that only reads never writes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import assert_one_line_error, git
from mlreq.projects import Project

FIRST = "scoping.business-problems"

READ_COMMANDS = [
    ("status",),
    ("show", FIRST),
    ("impact", FIRST),
    ("log",),
    ("log", FIRST),
    ("diff",),
    ("iteration", "list"),
    ("check",),
]


def tree(root: Path, skip: tuple[str, ...] = (".git",)) -> dict[str, tuple[bytes, int]]:
    """Every work-tree file (not .git) with its bytes and mtime: what a write would change."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).parts[0] not in skip
    }


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    """The project's files, without the machine-local lock a save takes before it refuses."""
    return tree(root, skip=(".git", ".mlreq"))


def nest(project: Project, depth: int) -> Path:
    """A value nested `depth` deep in the first question's table, as a hostile sync brings it."""
    path = project.root / "answers" / "scoping.toml"
    path.write_text(path.read_text("utf-8") + f'\n["scoping.extra"]\nx = {"[" * depth}{"]" * depth}\n', "utf-8")
    git(project.root, "commit", "-qm", "nested", "--", "answers/scoping.toml")
    return path


def run_in(project: Project, cli, *argv: str):  # type: ignore[no-untyped-def]
    return cli(*argv, cwd=project.root)


# --------------------------------------------------------------------------- nested values


@pytest.mark.parametrize("depth", [150, 5000], ids=["deeper-than-tomlkit-edits", "deeper-than-recursion"])
def test_an_answer_into_a_deeply_nested_file_is_one_line_and_writes_nothing(project: Project, cli, depth: int) -> None:
    path = nest(project, depth)
    before = files(project.root)
    outcome = run_in(project, cli, "answer", FIRST, "--text", "new words")
    line = assert_one_line_error(outcome, 3)
    assert "answers/scoping.toml" in line and "nested" in line, line
    assert "left it untouched" in line
    assert files(project.root) == before
    assert not list(path.parent.glob(".*.tmp"))


@pytest.mark.parametrize("depth", [150, 5000], ids=["deeper-than-tomlkit-edits", "deeper-than-recursion"])
def test_read_commands_on_a_deeply_nested_file_never_write_or_traceback(project: Project, cli, depth: int) -> None:
    nest(project, depth)

    def written() -> dict[str, tuple[bytes, int]]:  # not the machine-local cache of history scans
        return {path: mark for path, mark in tree(project.root).items() if not path.startswith(".mlreq/history/")}

    before = written()
    for argv in READ_COMMANDS:
        outcome = run_in(project, cli, *argv)
        assert "Traceback" not in outcome.err, (argv, outcome.err)
        if outcome.code != 0 and argv[0] != "check":  # check prints its findings as a report
            assert_one_line_error(outcome)
        assert written() == before, f"`mlreq {' '.join(argv)}` changed a file"


# --------------------------------------------------------------------------- another user's repository


@pytest.fixture
def foreign(project: Project):  # type: ignore[no-untyped-def]
    """The project owned by another user (nobody), as git sees a repository it must not trust."""
    if os.geteuid() != 0:
        pytest.skip("needs root to give the repository to another user")
    root = project.root

    def chown(uid: int) -> None:
        for path in [root, *root.rglob("*")]:
            os.lchown(path, uid, uid)

    chown(65534)
    yield project
    chown(0)


def test_an_answer_in_another_users_repository_is_refused_before_writing(foreign: Project, cli) -> None:
    before = files(foreign.root)
    outcome = run_in(foreign, cli, "answer", FIRST, "--text", "not mine to write")
    line = assert_one_line_error(outcome)
    assert "dubious ownership" in line and "nothing was written" in line, line
    assert "safe.directory" in line
    assert files(foreign.root) == before


def test_read_commands_in_another_users_repository_never_write_or_traceback(foreign: Project, cli) -> None:
    before = tree(foreign.root)
    for argv in READ_COMMANDS:
        outcome = run_in(foreign, cli, *argv)
        assert "Traceback" not in outcome.err, (argv, outcome.err)
        if outcome.code != 0 and argv[0] != "check":  # check prints its findings as a report
            assert_one_line_error(outcome)
        assert tree(foreign.root) == before, f"`mlreq {' '.join(argv)}` changed a file"


def test_once_the_repository_is_trusted_the_answer_is_saved(foreign: Project, cli, git_config) -> None:
    outcome = run_in(foreign, cli, "answer", FIRST, "--text", "trusted now")
    assert outcome.code != 0
    git_config.add(f"[safe]\n\tdirectory = {foreign.root}\n")
    outcome = run_in(foreign, cli, "answer", FIRST, "--text", "trusted now")
    assert outcome.code == 0, outcome
    assert "trusted now" in git(foreign.root, "show", "HEAD:answers/scoping.toml")
