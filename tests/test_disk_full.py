"""A full disk (real ENOSPC on a small tmpfs): a failed write never costs text.

The cache of a file changes only after the file was written; the next save once space
is back really writes and commits; the CLI says what happened in one line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from helpers import assert_one_line_error, commit_count, git
from mlreq.projects import Project
from mlreq.projects.errors import ProjectError
from small_disk import SmallDisk

FIRST = "scoping.business-problems"
SECOND = "scoping.ml-feasibility"



def scoping(project: Project) -> bytes:
    return (project.root / "answers" / "scoping.toml").read_bytes()


def committed(project: Project, question_id: str) -> str:
    data = tomllib.loads(git(project.root, "show", "HEAD:answers/scoping.toml"))
    return data.get(question_id, {}).get("answer", "")


def test_a_failed_write_leaves_the_cache_as_the_file(on_small_disk: Project, disk: SmallDisk) -> None:
    project = on_small_disk
    project.entries()  # the file is cached, as in the app
    before = scoping(project)
    disk.fill()
    with pytest.raises(ProjectError, match="cannot write answers/scoping.toml.*No space left on device"):
        project.save(FIRST, answer="typed while the disk was full")
    assert scoping(project) == before
    assert project.entry(FIRST).answer == ""  # what the file holds, not what failed to land
    assert project.uncommitted() == []


def test_the_next_save_after_space_returns_writes_and_commits(on_small_disk: Project, disk: SmallDisk) -> None:
    project = on_small_disk
    project.entries()
    commits = commit_count(project.root)
    disk.fill()
    with pytest.raises(ProjectError):
        project.save(FIRST, answer="kept through a full disk")
    disk.free()
    result = project.save(FIRST, answer="kept through a full disk")
    assert result.ok, result.commit_error
    assert result.changed == (FIRST,)
    assert tomllib.loads(scoping(project).decode())[FIRST]["answer"] == "kept through a full disk"
    assert committed(project, FIRST) == "kept through a full disk"
    assert commit_count(project.root) == commits + 1
    assert git(project.root, "status", "--porcelain") == ""


def test_the_cli_on_a_full_disk_says_so_in_one_line_and_writes_nothing(
    on_small_disk: Project, disk: SmallDisk, cli
) -> None:
    project = on_small_disk
    before = scoping(project)
    disk.fill()
    outcome = cli("answer", FIRST, "--text", "no room", "--project", project.root)
    line = assert_one_line_error(outcome)
    assert "No space left on device" in line and "answers/scoping.toml" in line, line
    assert scoping(project) == before
    assert not list((project.root / "answers").glob(".*.tmp"))
    disk.free()
    outcome = cli("answer", FIRST, "--text", "room again", "--project", project.root)
    assert outcome.code == 0, outcome
    assert committed(project, FIRST) == "room again"


# --------------------------------------------------------------------------- a save killed half-way


def leftover(project: Project) -> Path:
    """The temporary file a save killed between writing and renaming leaves (atomic_write's name)."""
    path = project.root / "answers" / ".scoping.toml.k1ll3d.tmp"
    path.write_bytes(b'["scoping.business-problems"]\nanswer = "half a')
    return path


def test_a_new_project_ignores_the_temporary_file_of_a_killed_save(project: Project) -> None:
    leftover(project)
    assert git(project.root, "status", "--porcelain") == ""


def test_the_next_save_removes_the_temporary_file_of_a_killed_save(project: Project) -> None:
    # A project created before the ignore line: git status shows the leftover until a save.
    (project.root / ".gitignore").write_text(".mlreq/\n")
    git(project.root, "commit", "-qm", "older ignore file", "--", ".gitignore")
    stale = leftover(project)
    assert "answers/.scoping.toml.k1ll3d.tmp" in git(project.root, "status", "--porcelain")
    result = project.save(FIRST, answer="after the kill")
    assert result.ok, result.commit_error
    assert not stale.exists()
    assert git(project.root, "status", "--porcelain") == ""


# --------------------------------------------------------------------------- room for the file, not for git


@pytest.mark.parametrize("pages", range(1, 8))
def test_a_nearly_full_disk_keeps_the_text_in_the_file_and_commits_it_later(
    on_small_disk: Project, disk: SmallDisk, pages: int
) -> None:
    """A few free pages: the answer file is written, and git fails somewhere along its
    way (objects, the index, the ref), depending on how much room there is. Whatever git
    tripped over, the message says the disk is full (never another git process), and the
    next save once space is free commits the text."""
    project = on_small_disk
    project.entries()
    disk.fill()
    disk.leave(pages)
    result = project.save(FIRST, answer=f"with {pages} pages free")
    assert result.changed == (FIRST,)
    assert project.entry(FIRST).answer == f"with {pages} pages free"
    if result.commit_error is not None:
        assert "another git process" not in str(result.commit_error), result.commit_error
    disk.free()
    after = project.commit_pending()
    assert after.ok, after.commit_error
    assert committed(project, FIRST) == f"with {pages} pages free"
    assert git(project.root, "status", "--porcelain") == ""
    assert not (project.root / ".git" / "index.lock").exists()
