"""Helpers for the terminal app's tests: real git, real files, waiting for the app."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from textual.worker import WorkerCancelled

from mlreq.projects import Project



def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def log(cwd: Path, fmt: str = "%an%n%s") -> list[str]:
    """`git log` lines, newest first."""
    return git(cwd, "log", f"--format={fmt}").splitlines()


def subjects(cwd: Path) -> list[str]:
    return log(cwd, "%s")


def head_trailers(cwd: Path, revision: str = "HEAD") -> list[str]:
    body = git(cwd, "log", "-1", "--format=%B", revision)
    return [line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("Mlreq-Question: ")]


def commit_count(cwd: Path) -> int:
    return int(git(cwd, "rev-list", "--count", "HEAD").strip())


def committed_answer(cwd: Path, stage: str, question_id: str, revision: str = "HEAD") -> dict:
    """The entry of `question_id` as HEAD has it (read with tomllib from git's blob)."""
    data = tomllib.loads(git(cwd, "show", f"{revision}:answers/{stage}.toml"))
    return data.get(question_id, {})


def on_disk(project: Project, stage: str) -> dict:
    return tomllib.loads((project.root / "answers" / f"{stage}.toml").read_text("utf-8"))


def git_status(cwd: Path) -> str:
    return git(cwd, "status", "--porcelain")


async def workers_done(app) -> None:  # type: ignore[no-untyped-def]
    """Wait for the app's workers; one cancelled meanwhile (an exclusive worker replaced by
    a newer one) is not an error, so wait again for the rest."""
    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def settle(app, pilot, rounds: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Let queued saves, their messages and a repaint run."""
    for _ in range(rounds):
        await workers_done(app)
        await pilot.pause()


async def wait_until(pilot, predicate, timeout: float = 10.0, step: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Pause in small steps until `predicate()` is true (for timers: autosave, polling)."""
    waited = 0.0
    while not predicate():
        if waited >= timeout:
            return False
        await pilot.pause(step)
        await workers_done(pilot.app)
        waited += step
    return True


# --------------------------------------------------------------------------- the app's widgets


def nav_labels(screen) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Question id -> the label the list shows (marker and text), walking the tree."""
    labels = {}
    for stage in screen.nav.root.children:
        for leaf in stage.children:
            labels[leaf.data] = str(leaf.label)
    return labels


def stage_labels(screen) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(stage.label) for stage in screen.nav.root.children]


def text_of(widget) -> str:  # type: ignore[no-untyped-def]
    """What a Static shows."""
    return str(widget.content)


def notifications(app) -> list[str]:  # type: ignore[no-untyped-def]
    """What the app is telling the user: toasts, and the form screen's notice lines."""
    from mlreq.tui.widgets.notice_line import NoticeLine

    toasts = [f"{n.title or ''} {n.message}".strip() for n in app._notifications]
    notices = [n.text for screen in app.screen_stack for line in screen.query(NoticeLine) for n in line.notices]
    return toasts + notices


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """The characters on the (virtual) terminal, as a user would read them."""
    import re
    from html import unescape

    svg = app.export_screenshot()
    return unescape(" ".join(re.findall(r">([^<]*)</text>", svg))).replace("\xa0", " ")


# --------------------------------------------------------------------------- a real terminal


class Tmux:
    """The real `mlreq` in a detached tmux session of its own (own socket, no user config).

    Only the server this object starts is ever killed, through its own socket."""

    def __init__(
        self,
        tmp_path: Path,
        argv: list[str],
        env: dict[str, str],
        inner_env: dict[str, str] | None = None,
        size: tuple[int, int] = (80, 24),
    ) -> None:
        import shlex

        self.socket = tmp_path / "tmux.sock"
        self.env = env
        assignments = [f"{k}={v}" for k, v in (inner_env or {}).items()]
        self.command = "exec " + shlex.join(["env", *assignments, *argv]) if assignments else "exec " + shlex.join(argv)
        self.size = size
        self.cwd = tmp_path

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, env=self.env, cwd=self.cwd,
            timeout=30, check=check,
        )

    def __enter__(self) -> Tmux:
        width, height = self.size
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "mlreq", "-x", str(width), "-y", str(height), self.command)
        return self

    def __exit__(self, *exc: object) -> None:
        self.tmux("kill-server", check=False)

    def capture(self) -> str:
        result = self.tmux("capture-pane", "-p", "-t", "mlreq", check=False)
        return result.stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> bool:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.capture():
                return True
            time.sleep(0.1)
        return False

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "mlreq", "-l", text)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "mlreq", *keys)

    def app_pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", "mlreq", "#{pane_pid}").stdout.strip())

    def kill_app(self, signum: int) -> None:
        import os

        os.kill(self.app_pid(), signum)

    def running(self) -> bool:
        return self.tmux("has-session", "-t", "mlreq", check=False).returncode == 0

    def wait_exit(self, timeout: float = 20.0) -> bool:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                return True
            time.sleep(0.1)
        return False
