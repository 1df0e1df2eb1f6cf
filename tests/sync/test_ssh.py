"""A real SSH remote: Debian's openssh-server on a free localhost port, started per module.

The server gets its own host key, an authorized key made for the test and a config that
allows nothing else (no passwords, no PAM). The client is told about the key the way a
user would: GIT_SSH_COMMAND, or core.sshCommand in git's config. When sshd is not
installed (`apt-get install openssh-server`) or cannot start here, the tests skip and say why.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlreq.projects import create_project

from ssh_server import SshServer, sshd  # noqa: F401 - sshd is a fixture

from .conftest import AUDIT, RESOURCES, STORAGE, Solo, Team, assert_one_line_error, bare, console, hub_log



@pytest.fixture
def ssh_team(tmp_path: Path, cli, sshd: SshServer, monkeypatch: pytest.MonkeyPatch) -> Team:
    """The `team` of the other tests, with the hub reached only over SSH."""
    monkeypatch.setenv("GIT_SSH_COMMAND", sshd.command(share=True))
    hub = bare(tmp_path / "hub.git")
    origin = tmp_path / "origin"
    _, result = create_project(origin, name="Charging stations")
    assert result.ok
    assert cli("remote", "set", sshd.url(hub), cwd=origin).code == 0
    pushed = cli("sync", cwd=origin)
    assert pushed.code == 0 and "pushed" in pushed.out, pushed
    for side in ("a", "b"):
        cloned = cli("clone", sshd.url(hub), str(tmp_path / side), cwd=tmp_path)
        assert cloned.code == 0, cloned
    return Team(hub, origin, tmp_path / "a", tmp_path / "b", cli)


def test_clone_and_sync_over_ssh_with_the_user_s_ssh_command(ssh_team: Team, sshd: SshServer):
    team = ssh_team
    team.answer(team.a, AUDIT, "Quarterly audit, over ssh.")
    team.answer(team.b, STORAGE, "MLflow, over ssh.")
    team.answer(team.a, RESOURCES, "Two engineers (a).")
    team.answer(team.b, RESOURCES, "One contractor (b).")
    team.mlreq(team.b, "iteration", "new", "Over SSH")

    team.sync(team.a)
    merged = team.sync(team.b)
    team.sync(team.a)

    assert "merged by question; pushed" in merged.out and "scoping.resources" in merged.out
    for side in (team.a, team.b):
        text = (side / "answers" / "modeling.toml").read_text()
        assert "Quarterly audit, over ssh." in text and "MLflow, over ssh." in text
        assert "Over SSH" in team.mlreq(side, "iteration", "list").out
    assert "ssh://" in team.mlreq(team.a, "remote", "show").out
    team.assert_nothing_lost()


@pytest.fixture
def over_ssh(solo: Solo, sshd: SshServer, cli) -> Solo:
    """One machine whose remote is the same bare hub, reached over SSH."""
    assert cli("remote", "set", sshd.url(solo.hub), cwd=solo.path).code == 0
    return solo


def test_core_ssh_command_from_git_config_is_respected(over_ssh: Solo, sshd: SshServer, git_config, cli):
    git_config.add(f"[core]\n\tsshCommand = {sshd.command()}\n")
    assert cli("answer", AUDIT, "--text", "Set through core.sshCommand.", cwd=over_ssh.path).code == 0

    outcome = cli("sync", cwd=over_ssh.path)

    assert outcome.code == 0 and "pushed" in outcome.out, outcome
    assert "Set through core.sshCommand." in hub_log(over_ssh.hub)
    over_ssh.assert_nothing_lost()


def test_a_key_the_server_does_not_know_fails_with_one_line_and_no_prompt(over_ssh: Solo, sshd: SshServer):
    env = {**os.environ, "GIT_SSH_COMMAND": sshd.command(sshd.root / "stranger_key")}

    outcome = console("sync", cwd=over_ssh.path, env=env, timeout=60, stdin=b"")

    line = assert_one_line_error(outcome)
    assert "authentication" in line and "SSH key" in line
    over_ssh.assert_nothing_lost()


def test_without_an_ssh_command_mlreq_s_batch_mode_refuses_an_unknown_host(over_ssh: Solo):
    """No user ssh setup: mlreq's own BatchMode ssh never asks "are you sure (yes/no)?"."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_SSH_COMMAND", "GIT_SSH")}

    outcome = console("sync", cwd=over_ssh.path, env=env, timeout=60, stdin=b"")

    assert "authentication" in assert_one_line_error(outcome)
    over_ssh.assert_nothing_lost()
