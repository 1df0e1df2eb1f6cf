"""The index read without git (issue 14, "Speed"): exactly what git lists, or None (git is
asked). Real repositories in the states that matter: clean, mid-conflict without any
operation in progress, version 3 entries, and the kinds left to git (version 4, split)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import git
from mlreq.projects.gitindex import index_entries, unmerged_paths
from mlreq.projects.repostate import blocking_state


def _git_entries(repo: Path) -> list[tuple[str, int, str]]:
    listed = []
    for record in git(repo, "ls-files", "-s", "-z").split("\0"):
        if record:
            info, _, path = record.partition("\t")
            _, object_id, stage = info.split()
            listed.append((path, int(stage), object_id))
    return listed


def _git_unmerged(repo: Path) -> list[str]:
    return list(dict.fromkeys(r.partition("\t")[2] for r in git(repo, "ls-files", "--unmerged", "-z").split("\0") if r))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.txt").write_text("one\n")
    names = ["b.txt", "x" * 200, "dir/ünïcode name.toml", "dir/sub/c"]  # paddings of every length
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    return repo


def test_a_clean_index_reads_as_git_lists_it(repo: Path) -> None:
    assert index_entries(repo) == _git_entries(repo)
    assert unmerged_paths(repo) == [] == _git_unmerged(repo)


def test_conflicts_left_by_a_stash_pop_are_found_without_git(repo: Path) -> None:
    (repo / "a.txt").write_text("stashed\n")
    git(repo, "stash", "-q")
    (repo / "a.txt").write_text("committed\n")
    git(repo, "commit", "-q", "-am", "second")
    git(repo, "stash", "pop", "-q", check=False)  # stops with a.txt unmerged, no operation in progress
    assert _git_unmerged(repo) == ["a.txt"]
    assert index_entries(repo) == _git_entries(repo)
    assert unmerged_paths(repo) == ["a.txt"]
    state = blocking_state(repo)
    assert state is not None and "a.txt" in state.what


def test_version_3_entries_read_and_other_kinds_are_left_to_git(repo: Path) -> None:
    git(repo, "update-index", "--skip-worktree", "b.txt")  # an extended flag: version 3
    assert index_entries(repo) == _git_entries(repo)
    git(repo, "update-index", "--index-version", "4")
    assert index_entries(repo) is None and unmerged_paths(repo) is None
    git(repo, "update-index", "--index-version", "3")
    git(repo, "update-index", "--split-index")
    assert (repo / ".git" / "index").read_bytes().find(b"link") > 0
    assert index_entries(repo) is None


def test_an_index_that_does_not_add_up_is_left_to_git(repo: Path) -> None:
    index = repo / ".git" / "index"
    data = index.read_bytes()
    for broken in (data[:-30] + data[-20:], data[:40], b"DIRX" + data[4:], data[:8] + (10**6).to_bytes(4, "big") + data[12:]):
        index.write_bytes(broken)
        assert index_entries(repo) is None
    index.unlink()
    index.symlink_to(repo / "a.txt")  # never read through a link
    assert index_entries(repo) is None


def test_an_environment_pointing_git_elsewhere_is_left_to_git(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo / "other-index"))
    assert index_entries(repo) is None
