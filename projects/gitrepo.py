"""The narrow door to git: every git command mlreq runs goes through `GitRepo`.

Commits run through GitPython's command layer, reads as plain subprocesses; both with
user values only after `--` (or as the value of an option), prompts off, stdin closed
and a timeout, so git can neither take a user string as an option nor hang a save
waiting for a passphrase.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CommitError, GitReadError, GitUnavailableError

if TYPE_CHECKING:
    import git

COMMAND_TIMEOUT = 30.0
"""Seconds before a git command is stopped: a hook or signing program waiting on a
terminal that the TUI owns would otherwise hold `index.lock` forever."""
LOCK_WAIT = 2.0
"""Seconds to wait for another git process's `index.lock` before reporting it."""
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}


@dataclass(frozen=True)
class Identity:
    """The person at the keyboard, as git records them."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @classmethod
    def parse(cls, text: str) -> Identity | None:
        """"Name <mail>" -> Identity; None when it does not have that shape."""
        text = text.strip()
        if not text.endswith(">") or "<" not in text:
            return None
        name, _, email = text[:-1].rpartition("<")
        name, email = name.strip(), email.strip()
        if not name or not email or any(c in text for c in "\n\r\0"):
            return None
        return cls(name, email)


@cache
def _git_module():  # type: ignore[no-untyped-def]
    # GitPython raises ImportError at import when git is missing; check first for a clear line.
    require_git()
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    import git

    return git


def require_git() -> None:
    """Raise GitUnavailableError with a clear line when git is missing."""
    if shutil.which("git") is None:
        raise GitUnavailableError("git is not installed or not on PATH; install git and try again")


def _run_plain(command: list[str], cwd: Path, env: dict[str, str], timeout: float, detach: bool) -> tuple[int, str, str]:
    """One git process with stdin closed, English messages (they are parsed) and a timeout."""
    require_git()
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env={**os.environ, "LC_ALL": "C", "LANGUAGE": "C", **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            start_new_session=detach,
        )
    except subprocess.TimeoutExpired:
        return -9, "", f"git {command[1]} timed out after {timeout:.0f}s"
    return result.returncode, result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")


def find_git_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder or a worktree file)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


class GitRepo:
    """One working tree; opened per operation so no git process outlives its use."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _git(self) -> git.Git:
        return _git_module().Git(str(self.root))

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float = COMMAND_TIMEOUT,
        detach: bool = False,
        via_gitpython: bool = False,
    ) -> tuple[int, str, str]:
        """Run `git args...` and return (status, stdout, stderr).

        `detach` runs git without a controlling terminal, so nothing it starts (ssh, a
        credential helper) can ask for a password on the terminal the TUI owns. Reads run
        as a plain subprocess; commits go through GitPython's command layer
        (`via_gitpython`), whose import is deferred until the first commit.
        """
        command = ["git", *args]
        environment = {**_QUIET_ENV, **(env or {})}
        try:
            if via_gitpython:
                status, out, err = self._git().execute(
                    command,
                    with_extended_output=True,
                    with_exceptions=False,
                    kill_after_timeout=timeout,
                    env=environment,
                    strip_newline_in_stdout=False,
                    start_new_session=detach,
                )
            else:
                status, out, err = _run_plain(command, self.root, environment, timeout, detach)
        except OSError as exc:
            raise CommitError(f"cannot run git in {self.root}: {exc.strerror or exc}") from None
        if check and status != 0:
            raise CommitError(_first_line(err) or f"git {args[0]} failed with status {status}")
        return status, out, err

    @staticmethod
    def init(folder: Path) -> GitRepo:
        repo = GitRepo(folder)
        repo.run("init", "--quiet")
        return repo

    def configured_identity(self) -> Identity | None:
        """user.name and user.email from git's config, if both are set."""
        status, out, _ = self.run("config", "--get-regexp", r"^user\.(name|email)$", check=False)
        values: dict[str, str] = {}
        for line in out.splitlines():
            key, _, value = line.partition(" ")
            values[key] = value.strip()
        if status == 0 and values.get("user.name") and values.get("user.email"):
            return Identity(values["user.name"], values["user.email"])
        return None

    def add(self, paths: list[str]) -> None:
        self.run("add", "--", *paths)

    def commit_only(self, paths: list[str], message: str, author: Identity, when: datetime | None = None) -> str:
        """Commit exactly `paths` (staged or not), leaving the rest of the index alone.

        Returns the new commit's hash. Waits up to LOCK_WAIT for a concurrent git
        process; never removes a lock file itself.
        """
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
        }
        if when is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
        # Policy (README "Git hooks and signing"): autosaves skip pre-commit/commit-msg
        # hooks and GPG signing, either of which could block or prompt on every keystroke pause.
        args = ["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "--only", "-m", message, "--", *paths]
        deadline = time.monotonic() + LOCK_WAIT
        added = False
        while True:
            status, _, err = self.run(*args, env=env, check=False, via_gitpython=True)
            if status == 0:
                return self.head_id() or self.run("rev-parse", "HEAD")[1].strip()
            if "did not match any file" in err and not added:
                self.add(paths)  # a file git has never seen must be added before --only
                added = True
                continue
            if _is_lock_contention(err) and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            raise CommitError(_explain_commit_failure(err, self.root))

    def read_files(self, revision: str, paths: list[str]) -> dict[str, bytes | None]:
        """The content of each path at `revision` (None where absent), in one git process."""
        return dict(zip(paths, self.read_files_at([(revision, path) for path in paths])))

    def read_files_at(self, wanted: list[tuple[str, str]]) -> list[bytes | None]:
        """Contents for (revision, path) pairs, None where absent: one `cat-file --batch`."""
        if not wanted:
            return []
        require_git()
        requests = "".join(f"{revision}:{path}\n" for revision, path in wanted).encode()
        try:
            result = subprocess.run(
                ["git", "cat-file", "--batch"],
                cwd=self.root,
                input=requests,
                capture_output=True,
                timeout=COMMAND_TIMEOUT,
                env={**os.environ, **_QUIET_ENV},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitReadError(f"cannot read git history in {self.root}: {exc}") from None
        if result.returncode != 0:  # e.g. "dubious ownership": stdout is empty, not "missing"
            raise _read_error(self.root, result.stderr.decode("utf-8", "replace"))
        try:
            return _parse_batch(result.stdout, len(wanted))
        except (ValueError, IndexError):
            raise GitReadError(f"cannot read git history in {self.root}: git cat-file answered garbled output") from None

    def head_id(self) -> str | None:
        """HEAD's commit id (None before the first commit), read from the ref files when
        they are plain, so checking "did anyone commit?" before each save costs no process."""
        try:
            folder = git_dir(self.root)
            head = (folder / "HEAD").read_text().strip()
            if head.startswith("ref: "):
                common = folder
                if (folder / "commondir").is_file():  # a linked worktree keeps refs in the main one
                    common = folder / (folder / "commondir").read_text().strip()
                head = (common / head[len("ref: ") :]).read_text().strip()
            if _OBJECT_ID.fullmatch(head):
                return head
        except (OSError, UnicodeDecodeError):
            pass  # packed ref, reftable, unborn branch: ask git
        status, out, _ = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return out.strip() if status == 0 else None


def git_dir(repo_root: Path) -> Path:
    """The repository's git folder: `.git`, or where a worktree's `.git` file points."""
    dot_git = repo_root / ".git"
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        target = dot_git.read_text().partition("gitdir:")[2].strip()
        return (repo_root / target).resolve()
    return dot_git


def _parse_batch(output: bytes, count: int) -> list[bytes | None]:
    contents: list[bytes | None] = []
    position = 0
    for _ in range(count):
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            contents.append(output[position : position + size])
            position += size + 1
        else:
            contents.append(None)  # "<object> missing"
    return contents


def _read_error(root: Path, err: str) -> GitReadError:
    reason = _first_line(err) or "git cat-file failed"
    if "dubious ownership" in err:
        reason += f" (if you trust its owner: git config --global --add safe.directory {root})"
    return GitReadError(f"git cannot read the repository at {root}: {reason}")


def _is_lock_contention(err: str) -> bool:
    if _is_disk_full(err):  # git names the lock file it could not write: no one holds it
        return False
    return "index.lock" in err or "cannot lock ref" in err or "Unable to create" in err


def _is_disk_full(err: str) -> bool:
    return "No space left on device" in err or "Out of diskspace" in err


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""


def _explain_commit_failure(err: str, root: Path) -> str:
    if _is_disk_full(err):
        return f"the disk is full: git could not write ({_first_line(err)}); free some space"
    if "index.lock" in err:
        return (
            f"another git process holds {root / '.git' / 'index.lock'}; if no git command is "
            "running, remove that file by hand (mlreq never deletes it)"
        )
    if "Read-only file system" in err or "Permission denied" in err:
        return f"cannot write to the git repository at {root} (read-only or no permission)"
    if "timed out" in err or "Timeout" in err:
        return f"git did not finish within {COMMAND_TIMEOUT:.0f}s (a hook waiting for input?)"
    return _first_line(err) or "git commit failed"
