"""What a short command does before its work (issue 14, "Speed"): read commands start no
git process they do not need and load no TOML parser, writer or GitPython; the merge
driver's setting is read from the clone's config file only when that file alone decides
it, exactly as git reads it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import git
from mlreq.projects.gitrepo import GitRepo
from mlreq.projects.mergedriver import DRIVER_NAME, driver_command, local_driver_setting

# dataclasses brings inspect, ast, dis and tokenize (~10 ms) and costs ~0.5 ms a class:
# what a short command loads is made of plain classes (mlreq.bank.record).
SLOW_STDLIB = ("tomllib", "tomlkit", "git", "shutil", "tempfile", "typing", "dataclasses", "inspect")
WRITE_CODE = ("mlreq.projects.requirements", "mlreq.projects.impact", "mlreq.projects.atomic",
              "mlreq.projects.projectlock", "mlreq.projects.repostate", "mlreq.projects.commitmessage")


def _run_logging_git(argv: list[str], project: Path, tmp_path: Path) -> tuple[list[str], list[str]]:
    """`mlreq ARGV` in a fresh process whose `git` is a wrapper logging each call (then the
    real git); returns the git subcommands it ran and the modules it loaded."""
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir(exist_ok=True)
    log = tmp_path / "git-calls"
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True, check=True).stdout.strip()
    wrapper.write_text(f'#!/bin/sh\necho "$1 $2 $3" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    log.write_text("")
    code = (
        "import io, sys\n"
        "from mlreq.tui.cli import run\n"
        f"assert run({argv!r}, out=io.StringIO()) == 0\n"
        "print(','.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return [call.rstrip() for call in log.read_text().splitlines()], result.stdout.strip().split(",")


@pytest.mark.parametrize(
    ("argv", "git_calls", "needed"),
    [
        (["show", "data.data-source"], [], ()),
        (["completion", "--values", "questions"], [], ()),
        # "not committed yet" compares with HEAD's answers (Change), here the work tree's bytes,
        # which the first run saw to be HEAD's blobs (headfiles); open questions are ranked (impact)
        (["status"], [], ("mlreq.projects.commitmessage", "mlreq.projects.impact")),
    ],
)
def test_read_commands_run_no_git_and_load_no_parser_or_write_code(
    project_dir: Path, tmp_path: Path, argv: list[str], git_calls: list[str], needed: tuple[str, ...]
) -> None:
    _run_logging_git(argv, project_dir, tmp_path)  # the first run fills the parse cache
    calls, modules = _run_logging_git(argv, project_dir, tmp_path)
    assert calls == git_calls
    heavy = [m for m in modules if m.split(".")[0] in SLOW_STDLIB or m in WRITE_CODE]
    assert [m for m in heavy if m not in needed] == []


def test_an_answer_starts_only_the_git_processes_it_needs(project_dir: Path, tmp_path: Path) -> None:
    _run_logging_git(["answer", "data.data-source", "--text", "From the sea"], project_dir, tmp_path)  # makes .mlreq/lock
    calls, modules = _run_logging_git(["answer", "data.data-source", "--text", "From the lake"], project_dir, tmp_path)
    # The preflight (no unmerged paths) reads the index file itself (gitindex); HEAD's answers
    # (every entry that differs is committed) are the work tree's, as headfiles remembers the
    # first answer's commit; who commits is read while mlreq works (Project.read_ahead).
    assert calls == ["config --get-regexp ^user\\.(name|email)$", "-c commit.gpgsign=false commit"]
    # a file mlreq wrote is changed in its text (answersplice): no TOML parser or writer at all
    assert not [m for m in modules if m.split(".")[0] in SLOW_STDLIB]


@pytest.mark.parametrize(
    "value",
    [
        driver_command(),
        driver_command("/opt/py thon/bin/python3"),
        'a "quoted" value; with # marks\tand tab \\ backslash',
        "  spaces   inside  ",
    ],
)
def test_the_drivers_setting_is_read_as_git_reads_it(project_dir: Path, value: str) -> None:
    git(project_dir, "config", f"merge.{DRIVER_NAME}.driver", value)
    git(project_dir, "config", "core.editor", "vi ; # not ours")
    expected = git(project_dir, "config", "--get", f"merge.{DRIVER_NAME}.driver").rstrip("\n")
    assert local_driver_setting(GitRepo(project_dir)) == expected


@pytest.mark.parametrize(
    "extra",
    [
        "[include]\n\tpath = elsewhere\n",  # git would read another file
        '[includeIf "gitdir:/"]\n\tpath = elsewhere\n',
        "[merge.mlreq]\n\tdriver = old syntax\n",
        '[merge "mlreq"]\n\tdriver = a second value\n',
        '[merge "mlreq"]\n\tdriver = continued \\\n\ton the next line\n',
        '[merge "ml\\req"]\n\tdriver = an escaped subsection\n',
        "[core] bare = false\n",
    ],
)
def test_a_config_git_may_read_otherwise_is_left_to_git(project_dir: Path, extra: str) -> None:
    config = project_dir / ".git" / "config"
    config.write_text(config.read_text() + extra)
    assert local_driver_setting(GitRepo(project_dir)) is None


def test_config_from_elsewhere_is_left_to_git(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(project_dir)
    assert local_driver_setting(repo) == driver_command()
    (project_dir / ".git" / "config.worktree").write_text("")
    assert local_driver_setting(repo) is None
    (project_dir / ".git" / "config.worktree").unlink()
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'merge.{DRIVER_NAME}.driver=x'")
    assert local_driver_setting(repo) is None


def test_a_read_ahead_is_used_only_for_the_head_it_read(project_dir: Path) -> None:
    """`Project.read_ahead` starts git reading HEAD's answers early; a commit made meanwhile
    (another terminal) makes it useless, and the project reads the new HEAD instead."""
    from mlreq.projects import Project

    project = Project.open(project_dir)
    project.read_ahead(identity=True)
    ahead = project._head_ahead
    assert ahead is not None
    assert Project.open(project_dir).save("data.data-source", answer="From the river").commit  # HEAD moves meanwhile
    assert project.uncommitted() == []  # compared with the new HEAD, not the one read ahead
    assert project._head_ahead is None and ahead[2].process.poll() is not None
    project.stop_reading_ahead()
    assert project._identity_ahead is None


def test_a_read_nobody_used_ends_with_the_command(project_dir: Path) -> None:
    from mlreq.projects import Project

    project = Project.open(project_dir)
    project.read_ahead(identity=True)
    reads = [project._head_ahead[2].process, project._identity_ahead.process]  # type: ignore[index,union-attr]
    project.stop_reading_ahead()
    assert [read.poll() for read in reads] == [0, 0]


def test_head_is_read_from_git_whenever_the_work_tree_is_not_what_mlreq_remembers(project_dir: Path) -> None:
    """headfiles spares the `cat-file` only while every answer file is HEAD's blob: a hand
    edit, or a commit mlreq did not make, is read from git, and the status says it."""
    from mlreq.projects import Project
    from mlreq.projects.headfiles import blob_id, load

    assert Project.open(project_dir).save("data.data-source", answer="From the sea").commit
    head = GitRepo(project_dir).head_id()
    assert head is not None
    remembered = load(head)
    answers = project_dir / "answers" / "data.toml"
    assert remembered is not None and remembered["answers/data.toml"] == blob_id(answers.read_bytes())
    assert Project.open(project_dir).uncommitted() == []
    answers.write_text(answers.read_text().replace("From the sea", "From the lake"))
    assert [c.question_id for c in Project.open(project_dir).uncommitted()] == ["data.data-source"]
    git(project_dir, "commit", "-q", "-am", "By hand")  # a commit mlreq did not make: nothing remembered
    assert load(GitRepo(project_dir).head_id() or "") is None
    assert Project.open(project_dir).uncommitted() == []


def test_a_garbled_memory_or_replace_refs_mean_asking_git(project_dir: Path) -> None:
    """What headfiles remembers is checked on reading; with replace refs (git may show other
    objects for the same commit id) nothing remembered is used or kept."""
    import json

    from mlreq.projects import Project
    from mlreq.projects.headfiles import _entry, load, usable

    assert Project.open(project_dir).save("data.data-source", answer="From the sea").commit
    head = GitRepo(project_dir).head_id() or ""
    entry = Path(_entry(head) or "")
    entry.write_text(json.dumps({"answers/data.toml": "not an id"}))
    assert load(head) is None and Project.open(project_dir).uncommitted() == []  # read from git, and kept again
    assert load(head) is not None
    git(project_dir, "replace", "--graft", head)  # refs/replace/<head>
    assert not usable(project_dir)
