"""Fixtures for hostile repositories: a remote whose author plants links, special files and
absurd TOML, and a victim who clones it with `mlreq clone` and works in it.

Nothing is mocked: the remote is a real bare repository, the attacker commits with plain
git, the victim runs the installed `mlreq` in a subprocess with a timeout (a hang fails the
test instead of hanging the suite). Outside both clones lies `outside/`, the files a link
could reach; every test checks it is byte-identical afterwards and holds nothing new.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import Outcome, assert_one_line_error, console, git

__all__ = ["Hostile", "Outcome", "assert_one_line_error"]

TIMEOUT = 20.0
SECRET = b'[registry]\ntoken = "cio_SECRET_TOKEN_0123456789"\n'


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry below `folder`: file bytes, link targets, and the kind of anything else."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = f"link -> {os.readlink(path)}"
        elif path.is_file():
            found[key] = path.read_bytes()
        else:
            found[key] = "folder" if path.is_dir() else "special"
    return found


@dataclass
class Hostile:
    tmp: Path
    hub: Path
    attacker: Path
    victim: Path
    outside: Path
    """Files a planted link points at: credentials, a folder, a place to write into."""
    before: dict[str, bytes | str]

    def plant(self, change: Callable[[Path], None], message: str = "Tidy up") -> None:
        """The remote's author changes the project with plain git and pushes."""
        change(self.attacker)
        git(self.attacker, "add", "-A")
        git(self.attacker, "commit", "-q", "-m", message)
        git(self.attacker, "push", "-q", "origin", "HEAD:main")

    def clone(self) -> Outcome:
        return console("clone", str(self.hub), str(self.victim), cwd=self.tmp, timeout=TIMEOUT)

    def mlreq(self, *argv: str, stdin: bytes = b"") -> Outcome:
        return console(*argv, cwd=self.victim, timeout=TIMEOUT, stdin=stdin)

    def assert_outside_untouched(self) -> None:
        """Nothing outside the projects was read into git, changed, or created."""
        assert tree(self.outside) == self.before
        assert sorted(p.name for p in self.tmp.iterdir()) == sorted(["hub.git", "attacker", "outside", *self._victims()])
        log = git(self.hub, "log", "-p", "--all", "--format=%H")
        assert "SECRET_TOKEN" not in log
        if self.victim.exists():
            assert "SECRET_TOKEN" not in git(self.victim, "log", "-p", "--all", "--format=%H")

    def _victims(self) -> list[str]:
        return [self.victim.name] if self.victim.exists() else []


@pytest.fixture
def hostile(tmp_path: Path) -> Hostile:
    """A project pushed to a bare hub; the attacker's plain-git clone; the victim's path."""
    from mlreq.projects import create_project

    hub = tmp_path / "hub.git"
    git(tmp_path, "init", "-q", "--bare", hub.name)
    origin = tmp_path / "attacker"
    _, result = create_project(origin, name="Charging stations")
    assert result.ok
    git(origin, "remote", "add", "origin", str(hub))
    git(origin, "push", "-q", "origin", "HEAD:main")
    outside = tmp_path / "outside"
    (outside / "dotfiles").mkdir(parents=True)
    (outside / "credentials.toml").write_bytes(SECRET)
    (outside / "dotfiles" / "config.toml").write_bytes(SECRET)
    (outside / "dotfiles" / "data.toml").write_bytes(SECRET)
    return Hostile(tmp_path, hub, origin, tmp_path / "victim", outside, tree(outside))


def assert_refused(outcome: Outcome, *words: str) -> str:
    """One clear line, exit 3 (a project file mlreq will not use), no traceback."""
    line = assert_one_line_error(outcome, code=3)
    for word in words:
        assert word in line, line
    return line
