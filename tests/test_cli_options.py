"""One way to name the project (`--project PATH` on every command that takes one, the
positional PATH still working), global options after the command, and a help that lists
every command from the parser itself (issue 14, "The command line")."""

from __future__ import annotations


import pytest

from helpers import assert_one_line_error, git
from mlreq.tui.cli import COMMANDS, run

# Commands that read a project, run from outside it with --project.
READ_WITH_PROJECT = [
    ("status",),
    ("check",),
    ("show", "data.data-source"),
    ("impact", "data.data-source"),
    ("review",),
    ("export", "--format", "json"),
    ("log",),
    ("diff",),
    ("iteration", "list"),
    ("remote", "show"),
    ("req", "list"),
    ("form", "upgrade", "v3"),
]


@pytest.mark.parametrize("argv", READ_WITH_PROJECT, ids=lambda argv: " ".join(argv))
def test_every_command_that_reads_a_project_takes_project_option(cli, project_dir, tmp_path, argv):
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    outcome = cli(*argv, "--project", project_dir, cwd=outside)

    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize("command", ["status", "check", "export"])
def test_positional_path_and_project_option_name_the_same_project(cli, project_dir, tmp_path, command):
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    positional = cli(command, project_dir, cwd=outside)
    option = cli(command, "--project", project_dir, cwd=outside)

    assert positional.code == option.code == 0
    assert positional.out == option.out


def test_two_different_projects_are_one_clear_error(cli, project_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()

    outcome = cli("status", project_dir, "--project", other, cwd=tmp_path)

    assert_one_line_error(outcome, 2)
    assert "two projects given" in outcome.err


@pytest.mark.parametrize("where", ["before", "after"])
def test_author_is_taken_before_or_after_the_command(cli, project_dir, where):
    author = ["--author", "Ann Analyst <ann@example.org>"]
    answer = ["answer", "data.data-source", "--text", f"Given {where}"]
    argv = [*author, *answer] if where == "before" else [*answer, *author]

    outcome = cli(*argv, cwd=project_dir)

    assert outcome.code == 0, outcome.err
    assert git(project_dir, "log", "-1", "--format=%an <%ae>").strip() == "Ann Analyst <ann@example.org>"


def test_author_after_a_nested_command(cli, project_dir):
    outcome = cli("iteration", "new", "Kick-off", "--author", "Ann Analyst <ann@example.org>", cwd=project_dir)

    assert outcome.code == 0, outcome.err
    assert git(project_dir, "for-each-ref", "--format=%(taggername)", "refs/tags").strip() == "Ann Analyst"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        run(["--help"])

    assert exit_.value.code == 0
    listed = capsys.readouterr().out
    for command in COMMANDS:
        assert f"\n    {command} " in listed, f"{command} missing from mlreq --help"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_own_help(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        run([command, "--help"])

    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: mlreq {command}")


def test_version_needs_no_project(cli, tmp_path):
    outcome = cli("--version", cwd=tmp_path)

    assert (outcome.code, outcome.out) == (0, "mlreq 0.1.0\n")
