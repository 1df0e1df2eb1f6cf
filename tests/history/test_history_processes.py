"""What `mlreq diff` and `mlreq log QID` cost before their work (issue 11, "Speed"): the git
processes they start and the modules they load, in a fresh process as the command runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlreq.projects import Project
from test_cli_startup import _run_logging_git

NOT_NEEDED = ("tomllib", "tomlkit", "typing", "mlreq.projects.requirements", "mlreq.projects.impact")


def _loaded_but_not_needed(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in NOT_NEEDED or m in NOT_NEEDED]


def _commands(calls: list[str]) -> list[list[str]]:
    """Each git call's first two words (the log's lines split at the formats' \x1e too)."""
    return [call.split(" ")[:2] for call in calls if call.startswith(("for-each-ref", "cat-file", "log", "config", "rev-"))]


def test_a_diff_between_iterations_asks_git_twice_and_loads_no_parser(demo: Project, tmp_path: Path) -> None:
    argv = ["diff", "Kick-off workshop", "Re-scope after pilot"]
    _run_logging_git(argv, demo.root, tmp_path)  # the first run fills the parse cache and remembers the range
    calls, modules = _run_logging_git(argv, demo.root, tmp_path)
    # the iterations, then both ends (requirements.toml's blob ids come with their trees)
    assert _commands(calls) == [["for-each-ref", "--sort=creatordate"], ["cat-file", "--batch"]]
    assert _loaded_but_not_needed(modules) == []


def test_a_timeline_asks_git_twice_and_loads_no_parser(demo: Project, tmp_path: Path) -> None:
    argv = ["log", "data.data-source"]
    calls, _ = _run_logging_git(argv, demo.root, tmp_path)
    assert sorted(_commands(calls)) == [["cat-file", "--batch"], ["cat-file", "--batch-check"], ["log", "--first-parent"]]
    calls, modules = _run_logging_git(argv, demo.root, tmp_path)
    # the walk and the versions' blob ids: the versions read were kept (timelinecache)
    assert sorted(_commands(calls)) == [["cat-file", "--batch-check"], ["log", "--first-parent"]]
    assert _loaded_but_not_needed(modules) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "--project", ".", "Kick-off workshop", "Re-scope after pilot"],
        ["--author", "Ada <ada@example.com>", "diff", "Kick-off workshop", "Re-scope after pilot", "--json"],
        ["diff", "--stage", "data", "--format=json", "Kick-off workshop", "Re-scope after pilot"],
    ],
)
def test_a_diff_takes_the_reads_it_started_before_parsing_whatever_the_options(demo: Project, tmp_path: Path, argv: list[str]) -> None:
    _run_logging_git(argv, demo.root, tmp_path)
    calls, _ = _run_logging_git(argv, demo.root, tmp_path)
    assert _commands(calls) == [["for-each-ref", "--sort=creatordate"], ["cat-file", "--batch"]]


@pytest.mark.parametrize(
    "argv",
    [
        ["log", "--project=.", "data.data-source"],
        ["log", "data.data-source", "--author", "Ada <ada@example.com>"],
        ["log", "--", "data.data-source"],  # a shape the head start does not read: none, the same one reading
    ],
)
def test_a_timeline_started_before_parsing_is_the_one_read(demo: Project, tmp_path: Path, argv: list[str]) -> None:
    _run_logging_git(["log", "data.data-source"], demo.root, tmp_path)  # the versions are kept
    calls, _ = _run_logging_git(argv, demo.root, tmp_path)
    assert sorted(_commands(calls)) == [["cat-file", "--batch-check"], ["log", "--first-parent"]]


def _children() -> list[str]:
    """The names of this process's child processes (Linux)."""
    names = []
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                names.append(Path(f"/proc/{pid}/comm").read_text().strip())
            except OSError:
                pass  # ended meanwhile
    return names


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc to list child processes")
def test_a_usage_error_after_the_reads_started_leaves_no_git_running(demo: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlreq.projects.errors import InvalidInputError
    from mlreq.tui.cli import run

    monkeypatch.chdir(demo.root)
    assert "git" not in _children()
    with pytest.raises(InvalidInputError) as refused:  # argparse's usage error, after the head start began
        run(["diff", "Kick-off workshop", "--format", "pdf"])
    assert refused.value.exit_code == 2 and "'pdf'" in str(refused.value)
    assert "git" not in _children()  # the cat-file waiting for requests was ended
