"""Shared fixtures and helpers: isolated git configuration, real repositories, ways to run `mlreq`.

Tests import helpers from here (`from helpers import git`), never from `conftest`: several
folders have a conftest.py, and which one the bare name `conftest` means depends on order.
tests/conftest.py re-exports the fixtures so pytest finds them.

Every test runs with its own HOME and global git config (a test identity and
`init.defaultBranch=main`), no system config and none of the author/committer variables
of the surrounding shell, so a developer's or CI's git setup cannot change a result.
Git is never mocked: repositories are real, in tmp_path.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlreq.bank.errors import MlreqError
from mlreq.projects import Project

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
MLREQ_SCRIPT = VENV_BIN / "mlreq"
TEST_NAME = "Test Person"
TEST_EMAIL = "test.person@example.com"

_SCRUBBED = (
    "MLREQ_AUTHOR",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "EMAIL",  # git falls back to $EMAIL for the author's address
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
)


@dataclass
class GitConfig:
    """The global git config file of one test, rewritable mid-test."""

    path: Path

    def write(self, *, identity: bool = True, extra: str = "") -> None:
        text = "[init]\n\tdefaultBranch = main\n"
        if identity:
            text += f"[user]\n\tname = {TEST_NAME}\n\temail = {TEST_EMAIL}\n"
        self.path.write_text(text + extra)

    def add(self, extra: str) -> None:
        self.path.write_text(self.path.read_text() + extra)


@pytest.fixture(autouse=True)
def git_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> GitConfig:
    """An isolated HOME and global git config holding a test identity."""
    home = tmp_path_factory.mktemp("home")
    for name in _SCRUBBED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    config = GitConfig(home / "gitconfig")
    config.write()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config.path))
    return config


@pytest.fixture
def no_identity(git_config: GitConfig) -> GitConfig:
    """The same isolation, but git knows no user.name / user.email."""
    git_config.write(identity=False)
    return git_config


# --------------------------------------------------------------------------- git helpers


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run real git and return its standard output."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def commit_count(cwd: Path) -> int:
    return int(git(cwd, "rev-list", "--count", "HEAD").strip())


def trailers_of(cwd: Path, revision: str = "HEAD") -> list[str]:
    message = git(cwd, "log", "-1", "--format=%B", revision)
    return [line.split(": ", 1)[1] for line in message.splitlines() if line.startswith("Mlreq-Question: ")]


def files_in_commit(cwd: Path, revision: str = "HEAD") -> list[str]:
    """Paths a commit touched, relative to the repository root."""
    out = git(cwd, "show", "--format=", "--name-only", revision)
    return sorted(line for line in out.splitlines() if line)


def assert_fsck_clean(cwd: Path) -> None:
    result = subprocess.run(["git", "fsck", "--strict", "--no-progress"], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stderr.lower() and "missing" not in result.stdout.lower()


# --------------------------------------------------------------------------- running mlreq


@dataclass
class Outcome:
    """What a user would see: exit code, standard output and standard error."""

    code: int
    out: str
    err: str
    error: MlreqError | None = None

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    """Run `mlreq` in-process, like `main()` does, from a chosen working directory."""
    from mlreq.tui.cli import run

    def invoke(*argv: str | os.PathLike, cwd: Path | None = None, stdin: bytes | None = None) -> Outcome:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                code = run([str(a) for a in argv], out=out)
                error = None
            except MlreqError as exc:
                print(f"mlreq: {exc}", file=err)
                code, error = exc.exit_code, exc
        return Outcome(code, out.getvalue(), err.getvalue(), error)

    return invoke


def console(
    *argv: str | os.PathLike, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60, stdin: bytes = b""
) -> Outcome:
    """Run the installed console script `mlreq` as a user would, in a subprocess."""
    result = subprocess.run(
        [str(MLREQ_SCRIPT), *map(str, argv)],
        cwd=cwd,
        env=env if env is not None else os.environ.copy(),
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )
    return Outcome(result.returncode, result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"))


def assert_one_line_error(outcome: Outcome, code: int | None = None) -> str:
    """A bad input's contract: exactly one stderr line, no traceback, a non-zero exit."""
    assert outcome.code != 0, outcome
    if code is not None:
        assert outcome.code == code, outcome
    assert "Traceback" not in outcome.err, outcome.err
    assert len(outcome.err_lines) == 1, outcome.err
    assert outcome.err.startswith("mlreq: "), outcome.err
    return outcome.err_lines[0]


# --------------------------------------------------------------------------- projects


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A freshly created v3 project, its own git repository, with one commit."""
    from mlreq.projects import create_project

    path = tmp_path / "proj"
    _, result = create_project(path, name="Test project")
    assert result.ok and result.commit
    return path


@pytest.fixture
def project(project_dir: Path):
    from mlreq.projects import Project

    return Project.open(project_dir)


def read_answers(path: Path) -> dict:
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per session with its own isolated git config."""
    from mlreq.projects.demo import ensure_demo

    home = tmp_path_factory.mktemp("demo-home")
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("MLREQ_AUTHOR", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                     "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EMAIL"):
            mp.delenv(name, raising=False)
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_GLOBAL", str(config))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        path = tmp_path_factory.mktemp("demo-template") / "demo"
        ensure_demo(path)
    return path


@pytest.fixture
def demo(_demo_template: Path, tmp_path: Path) -> Project:
    """A private copy of the demo project (a real repository with its history)."""
    path = tmp_path / "demo"
    shutil.copytree(_demo_template, path, symlinks=True)
    return Project.open(path)
