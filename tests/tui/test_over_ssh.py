"""The real `mlreq` over a real `ssh -t` session to localhost, inside tmux.

How most users meet it: a terminal on a laptop, an SSH hop to the team server, mlreq
there. sshd is Debian's openssh-server on a free port (tests/ssh_server.py); the test
skips, saying why, when it is not installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from mlreq.projects import Project
from ssh_server import SshServer, sshd  # noqa: F401 - sshd is a fixture
from tui_helpers import Tmux, git_status, log

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

MLREQ = Path(sys.executable).parent / "mlreq"
ANSWER = "Typed over ssh on the team server"


def test_answer_over_ssh_t_and_quit(fresh: Project, tmp_path: Path, sshd: SshServer) -> None:  # noqa: F811
    if not MLREQ.exists():
        pytest.skip("the mlreq console script is not installed in this environment")
    # ssh passes no environment: the remote command sets the test's isolated git config.
    remote_env = {
        "HOME": os.environ["HOME"],
        "GIT_CONFIG_GLOBAL": os.environ["GIT_CONFIG_GLOBAL"],
        "GIT_CONFIG_NOSYSTEM": "1",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    remote = " ".join(f"{k}={shlex.quote(v)}" for k, v in remote_env.items()) + f" {shlex.quote(str(MLREQ))} {shlex.quote(str(fresh.root))}"
    argv = [*sshd.command().split(), "-t", "-p", str(sshd.port), f"{sshd.user}@127.0.0.1", remote]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8")
    with Tmux(tmp_path, argv, env=env) as tmux:
        assert tmux.wait_for("What are the business problems?", timeout=30), tmux.capture()
        tmux.type(ANSWER)
        assert tmux.wait_for("committed", timeout=20), tmux.capture()
        assert "◐" in tmux.capture()
        tmux.keys("C-q")
        assert tmux.wait_exit(), tmux.capture()
    assert log(fresh.root)[:2] == ["Test Person", "Answer scoping.business-problems"]
    assert Project.open(fresh.root).entry("scoping.business-problems").answer == ANSWER
    assert git_status(fresh.root) == ""
