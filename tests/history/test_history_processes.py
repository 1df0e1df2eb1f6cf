"""What `mlreq diff` and `mlreq log QID` cost before their work (issue 11, "Speed"): the git
processes they start and the modules they load, in a fresh process as the command runs."""

from __future__ import annotations

from pathlib import Path

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


def test_a_timeline_asks_git_once_and_loads_no_parser(demo: Project, tmp_path: Path) -> None:
    argv = ["log", "data.data-source"]
    calls, _ = _run_logging_git(argv, demo.root, tmp_path)
    assert sorted(_commands(calls)) == [["cat-file", "--batch"], ["log", "--first-parent"]]
    calls, modules = _run_logging_git(argv, demo.root, tmp_path)
    assert _commands(calls) == [["log", "--first-parent"]]  # the versions read were kept (timelinecache)
    assert _loaded_but_not_needed(modules) == []
