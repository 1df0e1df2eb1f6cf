"""`mlreq completion`: scripts made from the real parser, tried in a real bash (and zsh or
fish when installed): commands, options, question ids, roles and iterations complete."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import MLREQ_SCRIPT, git
from mlreq.projects import Project
from mlreq.projects.history import History


def _complete(script: Path, cwd: Path, line: str) -> list[str]:
    """What bash's completion offers for `line` (the cursor at its end)."""
    words = line.split(" ")
    program = (
        f"source {script}\n"
        f"COMP_WORDS=({' '.join(repr(w) if w else repr('') for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        f"_mlreq mlreq {words[-1]!r} {words[-2]!r}\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(MLREQ_SCRIPT).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return [w for w in run.stdout.splitlines() if w]


@pytest.fixture
def bash_script(cli, tmp_path: Path) -> Path:
    outcome = cli("completion", "bash")
    assert outcome.code == 0, outcome
    path = tmp_path / "mlreq.bash"
    path.write_text(outcome.out)
    return path


def test_bash_completes_commands_options_and_project_values(bash_script, project_dir):
    History(Project.open(project_dir)).create_iteration("Kick-off workshop")

    assert {"export", "import", "status", "completion"} <= set(_complete(bash_script, project_dir, "mlreq "))
    assert _complete(bash_script, project_dir, "mlreq exp") == ["export"]
    assert {"--for-spreadsheet", "--format"} <= set(_complete(bash_script, project_dir, "mlreq export --f"))
    assert _complete(bash_script, project_dir, "mlreq export --format re") == ["reqif"]
    assert _complete(bash_script, project_dir, "mlreq show data.priv") == ["data.privacy"]
    assert _complete(bash_script, project_dir, "mlreq --author someone answer scoping.end") == ["scoping.end-user"]
    assert _complete(bash_script, project_dir, "mlreq export --role legal") == ["legal-team"]
    assert _complete(bash_script, project_dir, "mlreq export --at kick") == ["kick-off-workshop"]  # a slug: no spaces
    assert _complete(bash_script, project_dir, "mlreq iteration ") == ["new", "rename", "delete", "list"]
    assert git(project_dir, "status", "--porcelain") == ""


def test_values_outside_a_project_are_empty_not_an_error(cli, tmp_path):
    outcome = cli("completion", "--values", "questions", cwd=tmp_path)

    assert outcome.code == 0 and outcome.out == "" and outcome.err == ""


def test_a_shell_must_be_named(cli):
    outcome = cli("completion")

    assert outcome.code == 2 and "mlreq completion bash|zsh|fish" in outcome.err


def _shell_run(shell: str, program: str, cwd: Path) -> str:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed: its completion script is not checked")
    env = {**os.environ, "PATH": f"{Path(MLREQ_SCRIPT).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run([shell, "-c", program], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_fish_completes_commands_options_and_questions(cli, project_dir, tmp_path):
    script = tmp_path / "mlreq.fish"
    script.write_text(cli("completion", "fish").out)

    shown = _shell_run("fish", f"source {script}; complete -C 'mlreq exp'; complete -C 'mlreq export --format re'; "
                       "complete -C 'mlreq show data.priv'; complete -C 'mlreq export --role legal'", project_dir)

    assert [line.split("\t")[0] for line in shown.splitlines()] == ["export", "reqif", "data.privacy", "legal-team"]


def test_zsh_runs_the_same_completion_through_bashcompinit(cli, project_dir, tmp_path):
    script = tmp_path / "mlreq.zsh"
    script.write_text(cli("completion", "zsh").out)

    # zsh filters the candidates by what was typed itself (compadd); the function offers them.
    shown = _shell_run("zsh", f"autoload -U compinit; compinit -u; source {script}; "
                       "COMP_WORDS=(mlreq show data.priv); COMP_CWORD=2; _mlreq mlreq data.priv show; "
                       'print -l -- "${COMPREPLY[@]}"', project_dir)

    assert "data.privacy" in shown.splitlines() and "legal-team" not in shown
