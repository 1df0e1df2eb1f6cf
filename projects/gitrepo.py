"""The narrow door to git: every git command mlreq runs goes through `GitRepo`.

Every command, commits included, is a plain `git` subprocess (no GitPython: importing it
cost a short command more than the commit itself), with user values only after `--` (or
as the value of an option), prompts off, stdin closed, no controlling terminal and a timeout,
so git can neither take a user string as an option nor hang a save waiting for a
passphrase. A command that times out is stopped with its whole process group (the hooks
it started too), and the lock files it left are removed, never anyone else's.
"""

from __future__ import annotations

import os
import re
import time
from collections import namedtuple
from pathlib import Path

from mlreq.bank.record import Record, init_fields

from .errors import CommitError, GitReadError, GitUnavailableError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:  # subprocess and signal are imported where git runs: `mlreq show` runs none
    import subprocess
    from datetime import datetime

COMMAND_TIMEOUT = 30.0
"""Seconds before a git command is stopped: a hook or signing program waiting on a
terminal that the TUI owns would otherwise hold `index.lock` forever. MLREQ_GIT_TIMEOUT
overrides it (a team with slow hooks)."""
KILL_GRACE = 1.0
"""Seconds a stopped git gets to remove its own lock files after SIGTERM before SIGKILL."""
LOCK_WAIT = 2.0
"""Seconds to wait for another git process's `index.lock` before reporting it."""
_WRITTEN_AT_ONCE = 4096
"""Bytes of `cat-file` requests written before git's answer is read: well under what a pipe holds."""
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never", "GIT_FLUSH": "0"}
"""GIT_FLUSH=0: git log and rev-list write to a pipe in full buffers instead of flushing
after every commit (10,000 commits were 10,000 writes, and as many wake-ups to read them)."""


class Identity(Record):
    """The person at the keyboard, as git records them."""

    __slots__ = ("name", "email")
    name: str
    email: str

    def __init__(self, name: str, email: str) -> None:
        init_fields(self, name, email)

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


IDENTITY_QUERY = ("config", "--get-regexp", r"^user\.(name|email)$")


def require_git() -> None:
    """Raise GitUnavailableError with a clear line when git is missing."""
    if not _on_path("git"):
        raise GitUnavailableError("git is not installed or not on PATH; install git and try again")


def _on_path(name: str) -> bool:
    """`shutil.which(name) is not None` for POSIX, without importing shutil (and with it
    bz2, lzma and zlib) into every command."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or os.curdir, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return True
    return False


def command_timeout() -> float:
    """Seconds a git command may take: MLREQ_GIT_TIMEOUT, else COMMAND_TIMEOUT (read per call)."""
    try:
        value = float(os.environ.get("MLREQ_GIT_TIMEOUT", ""))
    except ValueError:
        return COMMAND_TIMEOUT
    return value if value > 0 else COMMAND_TIMEOUT


class _Finished(namedtuple("_Finished", ("status", "out", "err", "timed_out", "started", "stopped"), defaults=(False, 0.0, 0.0))):
    """A finished git process. `started` and `stopped`: time.time() before the process started
    and after every process of its group was gone: a lock file made between the two, absent
    before, can only be this command's. (A named tuple: a dataclass costs every start ~0.5 ms.)"""

    __slots__ = ()


def _start_process(command: list[str], cwd: Path, env: dict[str, str], detach: bool, umask: int = -1) -> tuple[subprocess.Popen, float]:
    """One git process, in its own process group, with English messages (they are parsed);
    returns it and time.time() just before it started."""
    import subprocess

    require_git()
    started = time.time()
    process = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, "LC_ALL": "C", "LANGUAGE": "C", **env}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=detach, process_group=None if detach else 0, umask=umask,
    )
    return process, started


def _wait_process(process: subprocess.Popen, started: float, timeout: float) -> _Finished:
    """The process's output, or its group stopped after `timeout` seconds (counted from now:
    a process that finished while nobody read it is not slow): SIGTERM first, so git removes
    its own lock files, then SIGKILL for whatever is left (the hooks it started)."""
    import subprocess

    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        out, err = _leftover_output(process)
        return _Finished(-9, out, err, timed_out=True, started=started, stopped=time.time())
    except BaseException:  # Ctrl+C in the CLI: no hook may outlive mlreq
        _stop_group(process)
        raise
    return _Finished(process.returncode, out, err, started=started, stopped=time.time())


def process_umask() -> int:
    """This process's umask, read without changing it where Linux allows (threads create files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def _stop_group(process: subprocess.Popen) -> None:
    import signal
    import subprocess

    group = process.pid  # the leader of its own group (new session or process_group=0)
    for signum in (signal.SIGTERM, signal.SIGCONT):  # CONT: a stopped hook must see the TERM
        try:
            os.killpg(group, signum)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(group, signal.SIGKILL)  # hooks that ignore TERM, or a git that did not exit
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    deadline = time.monotonic() + KILL_GRACE
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.01)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftover_output(process: subprocess.Popen) -> tuple[bytes, bytes]:
    """What a killed git wrote; a process that left the group may hold the pipes: give up then."""
    import subprocess

    try:
        return process.communicate(timeout=KILL_GRACE)
    except (subprocess.TimeoutExpired, ValueError):
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        return b"", b""


def _remove_own_locks(locks: dict[Path, bool], finished: _Finished) -> list[Path]:
    """Remove lock files that a killed command of ours left behind, and only those.

    A lock is ours when it did not exist before the command started, was made while the
    command ran (its ctime between start and stop), and no process has it open now: git
    takes its locks with O_EXCL, so nobody else could have made it while ours held it.
    """
    removed = []
    for path, existed_before in locks.items():
        if existed_before:
            continue  # someone else's: never touched
        try:
            made = path.lstat().st_ctime
        except OSError:
            continue
        if not finished.started - 1 <= made <= finished.stopped or _open_elsewhere(path):
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def _open_elsewhere(path: Path) -> bool:
    """Whether any process we can see has `path` open (Linux /proc; False elsewhere)."""
    target = str(path)
    try:
        pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return False
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return True
        except OSError:
            continue
    return False


class StartedGit:
    """A git command of `GitRepo` running from its creation; `finished()` waits for it.

    Whatever stops it from starting (git missing, no such folder) is raised by `finished()`,
    where a command run at once would have raised it. The timeout counts from the wait.
    """

    def __init__(
        self, repo: GitRepo, args: tuple[str, ...] | list[str], env: dict[str, str] | None, timeout: float | None,
        detach: bool, umask: int = -1,
    ) -> None:
        self.repo, self.args = repo, args
        self.timeout = command_timeout() if timeout is None else timeout
        self.locks = repo._lock_files()
        self.process: subprocess.Popen | None = None
        self.failure: CommitError | None = None
        self.started = 0.0
        self._finished: _Finished | None = None
        try:
            self.process, self.started = _start_process(["git", *args], repo.root, {**_QUIET_ENV, **(env or {})}, detach, umask)
        except CommitError as exc:  # git missing
            self.failure = exc
        except OSError as exc:
            self.failure = CommitError(f"cannot run git in {repo.root}: {exc.strerror or exc}")

    def finished(self) -> _Finished:
        if self._finished is None:
            if self.process is None:
                assert self.failure is not None
                raise self.failure from None
            finished = _wait_process(self.process, self.started, self.timeout)
            if finished.timed_out:
                _remove_own_locks(self.locks, finished)
                name = next((a for a in self.args if not a.startswith("-") and "=" not in a), "command")
                message = f"git {name} timed out after {self.timeout:g}s and was stopped"
                finished = _Finished(finished.status, finished.out, message.encode(), True, finished.started, finished.stopped)
            self._finished = finished
        return self._finished

    def result(self, check: bool = True) -> tuple[int, str, str]:
        """(status, stdout, stderr), as `GitRepo.run` returns them."""
        finished = self.finished()
        out, err = finished.out.decode("utf-8", "replace"), finished.err.decode("utf-8", "replace")
        if check and finished.status != 0:
            raise CommitError(_first_line(err) or f"git {self.args[0]} failed with status {finished.status}")
        return finished.status, out, err


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

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float | None = None,
        detach: bool = True,
    ) -> tuple[int, str, str]:
        """Run `git args...` and return (status, stdout, stderr).

        Git runs in a session of its own (`detach`), without a controlling terminal, so
        nothing it starts (a hook, ssh, a credential helper) can read or write the terminal
        the TUI owns, and a timeout stops the whole process group. `timeout` defaults to
        `command_timeout()`.
        """
        return self.start(*args, env=env, timeout=timeout, detach=detach).result(check)

    def start(
        self, *args: str, env: dict[str, str] | None = None, timeout: float | None = None, detach: bool = True,
    ) -> StartedGit:
        """`run` started now and waited for by `result()` later, so that git works while
        mlreq does (`Project.read_ahead`); the same process, settings and timeout."""
        return StartedGit(self, args, env, timeout, detach)

    def _execute(
        self, args: tuple[str, ...] | list[str], env: dict[str, str] | None, timeout: float | None, detach: bool,
        umask: int = -1,
    ) -> _Finished:
        return StartedGit(self, args, env, timeout, detach, umask).finished()

    def _lock_files(self) -> dict[Path, bool]:
        """The lock files a git command here may take, and whether each exists now."""
        try:
            folder = git_dir(self.root)
            paths = [folder / "index.lock", folder / "HEAD.lock"]
            head = (folder / "HEAD").read_text().strip()
            if head.startswith("ref: refs/"):
                paths.append(common_dir(folder) / (head[len("ref: ") :] + ".lock"))
        except (OSError, UnicodeDecodeError):
            return {}
        return {path: path.exists() for path in paths}

    @staticmethod
    def init(folder: Path) -> GitRepo:
        repo = GitRepo(folder)
        repo.run("init", "--quiet")
        return repo

    def configured_identity(self, started: StartedGit | None = None) -> Identity | None:
        """user.name and user.email from git's config, if both are set (`started`: the
        IDENTITY_QUERY begun earlier)."""
        status, out, _ = (started or self.start(*IDENTITY_QUERY)).result(check=False)
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
        process; never removes another process's lock file (see `_remove_own_locks`).
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
        umask = self.sharing_umask()
        while True:
            before = self.head_id()
            finished = self._execute(args, env, None, True, umask)
            err = finished.err.decode("utf-8", "replace")
            if finished.status == 0:
                return self.head_id() or self.run("rev-parse", "HEAD")[1].strip()
            if finished.timed_out:
                # A slow post-commit hook runs after the commit exists: believe HEAD, not the status.
                made = self._commit_made(before, message)
                if made is not None:
                    return made
                raise CommitError(
                    f"git did not finish within {command_timeout():g}s and was stopped (a hook waiting for input?); "
                    "the change is saved on disk and the next save commits it"
                )
            if "did not match any file" in err and not added:
                self.add(paths)  # a file git has never seen must be added before --only
                added = True
                continue
            if _is_lock_contention(err) and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            raise CommitError(_explain_commit_failure(err, self.root))

    def shared_repository(self) -> str:
        """core.sharedRepository, lower-cased ("" when unset or git is missing)."""
        try:
            status, out, _ = self.run("config", "--get", "core.sharedRepository", check=False)
        except CommitError:
            return ""
        return out.strip().lower() if status == 0 else ""

    def sharing_umask(self) -> int:
        """The umask for a commit in a group- or world-shared repository, -1 for "as it is".

        Git adjusts most of its files to the sharing but writes COMMIT_EDITMSG with the
        umask: a 0644 one left by the first user stops every other user's commit.
        """
        if not self._maybe_shared():
            return -1
        value = self.shared_repository()
        current = process_umask()
        if value in ("group", "true", "1"):
            return current & ~0o070
        if value in ("all", "world", "everybody", "2"):
            return current & ~0o077
        return -1

    def _maybe_shared(self) -> bool:
        """Cheap gate before asking git: `git init --shared` writes the setting into the
        repository's config and makes its folder group-writable."""
        try:
            folder = common_dir(git_dir(self.root))  # a linked worktree: config is in the main one
            if folder.stat().st_mode & 0o2020:
                return True
            return b"sharedrepository" in (folder / "config").read_bytes().lower()
        except (OSError, UnicodeDecodeError):
            return False

    def _commit_made(self, before: str | None, message: str) -> str | None:
        """The commit a stopped `git commit` made anyway: HEAD moved onto a child of
        `before` carrying our subject."""
        head = self.head_id()
        if head is None or head == before:
            return None
        status, out, _ = self.run("cat-file", "commit", head, check=False)
        headers, _, body = out.partition("\n\n")
        parents = [line.split()[1] for line in headers.splitlines() if line.startswith("parent ")]
        subject = message.strip().splitlines()[0] if message.strip() else ""
        if status == 0 and parents == ([before] if before else []) and body.strip().splitlines()[:1] == [subject]:
            return head
        return None

    def read_files(self, revision: str, paths: list[str]) -> dict[str, bytes | None]:
        """The content of each path at `revision` (None where absent), in one git process."""
        return self.files_read(self.start_read_files(revision, paths))

    def start_read_files(self, revision: str, paths: list[str]) -> BlobRead:
        """`read_files` started now, so that git reads while mlreq works: `files_read` waits."""
        return BlobRead(self.root, ["--batch", "--buffer"], [(revision, path) for path in paths])

    def files_read(self, read: BlobRead) -> dict[str, bytes | None]:
        return dict(zip([path for _, path in read.wanted], self._contents(read)))

    def read_files_at(self, wanted: list[tuple[str, str]]) -> list[bytes | None]:
        """Contents for (revision, path) pairs, None where absent: one `cat-file --batch`."""
        if not wanted:
            return []
        return self._contents(BlobRead(self.root, ["--batch", "--buffer"], wanted))  # all at once: no flush per object

    def _contents(self, read: BlobRead) -> list[bytes | None]:
        output = read.output()
        try:
            return _parse_batch(output, len(read.wanted))
        except (ValueError, IndexError):
            raise _garbled(self.root) from None

    def _cat_file(self, options: list[str], wanted: list[tuple[str, str]]) -> bytes:
        """`git cat-file <options>`'s output for (revision, path) requests, in one process."""
        return BlobRead(self.root, options, wanted).output()

    def blob_ids_at(self, wanted: list[tuple[str, str]]) -> list[str | None]:
        """Blob ids for (revision, path) pairs, None where absent: one `cat-file --batch-check`,
        no content read (telling "unchanged" from "changed" costs nothing more)."""
        if not wanted:
            return []
        lines = self._cat_file(["--batch-check"], wanted).decode("ascii", "replace").splitlines()
        if len(lines) != len(wanted):
            raise _garbled(self.root)
        return [parts[0] if len(parts := line.split()) == 3 and parts[1] == "blob" else None for line in lines]

    def head_id(self) -> str | None:
        """HEAD's commit id (None before the first commit), read from the ref files when
        they are plain, so checking "did anyone commit?" before each save costs no process."""
        head = self.head_from_files()
        if head is not None:
            return head
        status, out, _ = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return out.strip() if status == 0 else None

    def head_from_files(self) -> str | None:
        """HEAD's commit id when the ref files alone say it (a loose ref); else None."""
        try:
            folder = git_dir(self.root)
            head = (folder / "HEAD").read_text().strip()
            if head.startswith("ref: "):  # a linked worktree keeps refs in the main one
                head = (common_dir(folder) / head[len("ref: ") :]).read_text().strip()
            if _OBJECT_ID.fullmatch(head):
                return head
        except (OSError, UnicodeDecodeError):
            pass  # packed ref, reftable, unborn branch: git knows
        return None


def blob_id(data: bytes, like: str = "") -> str:
    """The id git gives these bytes as a blob: SHA-1, or SHA-256 where ids are that long
    (`like`: another id from the same repository)."""
    if len(like) == 64:
        from hashlib import sha256 as algorithm
    else:
        try:
            from _sha1 import sha1 as algorithm  # what hashlib.sha1 is; hashlib also loads OpenSSL (~3 ms)
        except ImportError:  # pragma: no cover - another Python implementation
            from hashlib import sha1 as algorithm
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def git_dir(repo_root: Path) -> Path:
    """The repository's git folder: `.git`, or where a worktree's `.git` file points."""
    dot_git = repo_root / ".git"
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        target = dot_git.read_text().partition("gitdir:")[2].strip()
        return (repo_root / target).resolve()
    return dot_git


def common_dir(folder: Path) -> Path:
    """The folder holding config, refs and objects for the git folder `folder`: itself, or
    for a linked worktree the main repository's (named by its `commondir` file)."""
    if (folder / "commondir").is_file():
        return folder / (folder / "commondir").read_text().strip()
    return folder


class BlobRead:
    """`git cat-file <options>` for (revision, path) requests, running from its creation;
    `output()` waits for it. Requests a pipe holds at once are written at once, so git
    reads while mlreq works. What stops git from starting is raised by `output()`."""

    def __init__(self, root: Path, options: list[str], wanted: list[tuple[str, str]]) -> None:
        import subprocess

        self.root, self.wanted = root, wanted
        self.process: subprocess.Popen | None = None
        self.failure: CommitError | GitReadError | None = None
        self.requests: bytes | None = "".join(f"{revision}:{path}\n" for revision, path in wanted).encode()
        try:
            require_git()
            self.process = subprocess.Popen(
                ["git", "cat-file", *options], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env={**os.environ, **_QUIET_ENV},
            )
        except CommitError as exc:  # git missing
            self.failure = exc
            return
        except OSError as exc:
            self.failure = GitReadError(f"cannot read git history in {root}: {exc}")
            return
        if len(self.requests) <= _WRITTEN_AT_ONCE and self.process.stdin is not None:
            try:
                self.process.stdin.write(self.requests)
                self.process.stdin.close()
            except BrokenPipeError:  # git ended early: its status and stderr say why
                pass
            self.process.stdin, self.requests = None, None

    def output(self) -> bytes:
        import subprocess

        if self.process is None:
            assert self.failure is not None
            raise self.failure from None
        try:
            out, err = self.process.communicate(self.requests, timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            self.process.kill()
            self.process.communicate()
            raise GitReadError(f"cannot read git history in {self.root}: {exc}") from None
        if self.process.returncode != 0:  # e.g. "dubious ownership": stdout is empty, not "missing"
            raise _read_error(self.root, err.decode("utf-8", "replace"))
        return out


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


def _garbled(root: Path) -> GitReadError:
    return GitReadError(f"cannot read git history in {root}: git cat-file answered garbled output")


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
    if "unmerged files" in err:
        return (
            "files in the repository have unresolved conflicts; resolve them and mark them resolved "
            "with `git add` (the answer is saved on disk; the next save commits it)"
        )
    if "Read-only file system" in err or "Permission denied" in err:
        return f"cannot write to the git repository at {root} (read-only or no permission): {_first_line(err)}"
    if "timed out" in err:
        return f"git did not finish within {command_timeout():g}s (a hook waiting for input?)"
    return _first_line(err) or "git commit failed"


class ObjectReader:
    """One `git cat-file --batch` asked in rounds: a tree, then the blobs it names, without
    a git process (and its start-up) per question. Requests are object names (`<commit>:<path>`,
    object ids); answers are (object id, type, content), None for a missing object.
    Use as a context manager: leaving it closes git's input and waits for it."""

    def __init__(self, root: Path) -> None:
        import subprocess  # (read commands that never start git need not load it)
        import threading

        require_git()
        self.root = root
        try:
            self.process = subprocess.Popen(
                ["git", "cat-file", "--batch"], cwd=root, env={**os.environ, **_QUIET_ENV, "LC_ALL": "C", "LANGUAGE": "C"},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            )
        except OSError as exc:
            raise GitReadError(f"cannot read git history in {root}: {exc.strerror or exc}") from None
        self._watchdog = threading.Timer(command_timeout(), _stop_group, (self.process,))
        self._watchdog.daemon = True
        self._watchdog.start()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, names: list[str]) -> list[tuple[str, str, bytes] | None]:
        assert self.process.stdin is not None and self.process.stdout is not None
        if not names:
            return []
        try:  # a few short lines fit the pipe: git answers only after reading them all
            self.process.stdin.write("".join(f"{name}\n" for name in names).encode())
            self.process.stdin.flush()
        except OSError:
            raise self._failed() from None
        answers: list[tuple[str, str, bytes] | None] = []
        out = self.process.stdout
        for _ in names:
            header = out.readline().split()
            if len(header) == 3 and header[2].isdigit():
                size = int(header[2])
                content = out.read(size + 1)
                if len(content) != size + 1:
                    raise self._failed()
                answers.append((header[0].decode(), header[1].decode(), content[:size]))
            elif len(header) == 2 and header[1] == b"missing":
                answers.append(None)
            else:  # git stopped (dubious ownership, timeout) or said something unexpected
                raise self._failed()
        return answers

    def _failed(self) -> GitReadError:
        self.close()
        err = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""
        return _read_error(self.root, err) if err.strip() else GitReadError(f"cannot read git history in {self.root}: git cat-file stopped")

    def close(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        self.process.wait()  # git ends at the end of its input; the watchdog stops one that hangs
        self._watchdog.cancel()


def tree_entries(content: bytes, id_bytes: int) -> list[tuple[str, str, str]]:
    """A raw tree object's entries as (mode, name, object id); names that are not valid
    UTF-8 are left out (git would have to quote them)."""
    entries = []
    position = 0
    while position < len(content):
        space = content.index(b" ", position)
        nul = content.index(b"\0", space)
        mode, name = content[position:space].decode(), content[space + 1 : nul]
        object_id = content[nul + 1 : nul + 1 + id_bytes].hex()
        position = nul + 1 + id_bytes
        try:
            entries.append((mode, name.decode("utf-8"), object_id))
        except UnicodeDecodeError:
            continue
    return entries


def _start_reader(root: Path, args: list[str], fed: bool = False) -> subprocess.Popen:
    """A read-only git process in a session of its own, its output handed over as it comes."""
    import subprocess

    require_git()
    try:
        return subprocess.Popen(
            ["git", *args], cwd=root, env={**os.environ, **_QUIET_ENV, "LC_ALL": "C", "LANGUAGE": "C"},
            stdin=subprocess.PIPE if fed else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
    except OSError as exc:
        raise GitReadError(f"cannot read git history in {root}: {exc.strerror or exc}") from None


def _drain(pipe, into: list[bytes]):  # type: ignore[no-untyped-def]
    """Read a pipe to its end on a thread (git never blocks on a full pipe we are not reading)."""
    import threading

    thread = threading.Thread(target=lambda: into.append(pipe.read()), daemon=True)
    thread.start()
    return thread


class GitStream:
    """`git log` (or any read command) whose output is read in pieces while it runs, so
    the work on the first commits overlaps git's walk to the last ones. Stopped with its
    process group after `command_timeout()`, or when left early."""

    def __init__(self, root: Path, *args: str) -> None:
        import threading

        try:
            from _queue import SimpleQueue  # what queue.SimpleQueue is, without importing `queue` (3 ms)
        except ImportError:  # pragma: no cover - another Python implementation
            from queue import SimpleQueue

        self.process = _start_reader(root, list(args))
        self._err: list[bytes] = []
        self._err_thread = _drain(self.process.stderr, self._err)
        # Read from the start, whether or not anyone asks yet: git would stop at a full pipe
        # (64 KB, a few hundred commits) while a walk started early waits for its reader.
        self._chunks: SimpleQueue[bytes] = SimpleQueue()
        self._reader = threading.Thread(target=self._read_all, daemon=True)
        self._reader.start()
        self.timed_out = False
        self.key: object = None
        """What the caller started it for (see `logwalk`): a walk is used only for that."""
        self._watchdog = threading.Timer(command_timeout(), self._stop_late)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _stop_late(self) -> None:
        self.timed_out = True
        _stop_group(self.process)

    def _read_all(self) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        try:
            while chunk := os.read(fd, 1 << 16):
                self._chunks.put(chunk)
        except OSError:
            pass
        finally:
            self._chunks.put(b"")

    def pieces(self):  # type: ignore[no-untyped-def]
        """Standard output as text, in pieces of any length, until git closes it."""
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while chunk := self._chunks.get():
            yield decoder.decode(chunk)
        self._chunks.put(b"")  # the end stays the end for a second reader
        yield decoder.decode(b"", final=True)

    def finish(self) -> tuple[int, str]:
        """Wait for git: (exit status, standard error)."""
        status = self.process.wait()
        self._watchdog.cancel()
        self._err_thread.join()
        self._reader.join()
        return status, b"".join(self._err).decode("utf-8", "replace")

    def stop(self) -> None:
        """End it now if it still runs (unused, or left early): git must not outlive its use."""
        if self.process.poll() is None:
            _stop_group(self.process)
        self.finish()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> GitStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _CatFileFeed:
    """A `git cat-file` given requests while they become known (from a `GitStream`),
    started with the first of them; its answers are read on threads (`_readers`), and the
    whole process group is stopped after `command_timeout()` or when left early."""

    MODE = "--batch"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: subprocess.Popen | None = None
        self._err: list[bytes] = []
        self._threads: list = []
        self._watchdog = None
        self.count = 0

    def _readers(self, process: subprocess.Popen) -> list:
        """The started threads that read git's standard output."""
        raise NotImplementedError

    def _start(self) -> subprocess.Popen:
        import threading

        self.process = process = _start_reader(self.root, ["cat-file", self.MODE], fed=True)
        self._threads = [*self._readers(process), _drain(process.stderr, self._err)]
        self._watchdog = threading.Timer(command_timeout(), _stop_group, (process,))
        self._watchdog.daemon = True
        self._watchdog.start()
        return process

    def ask(self, names: list[str]) -> None:
        if names:
            process = self.process or self._start()
            assert process.stdin is not None
            try:
                process.stdin.write("".join(f"{name}\n" for name in names).encode())
                process.stdin.flush()
            except OSError:
                pass  # git stopped: the answers say why
            self.count += len(names)

    def _finish(self) -> bool:
        """End the input and wait for git and its readers; False when nothing was asked."""
        if self.process is None:
            return False
        assert self.process.stdin is not None
        try:
            self.process.stdin.close()
        except OSError:
            pass
        status = self.process.wait()
        self._stop()
        if status != 0:
            raise _read_error(self.root, b"".join(self._err).decode("utf-8", "replace"))
        return True

    def _stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        for thread in self._threads:
            thread.join()

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:  # left early (an error): git must not outlive us
            _stop_group(self.process)
        self._stop()


class BlobFeed(_CatFileFeed):
    """`git cat-file --batch` fed while the requests become known, its answers collected on a
    thread; `contents()` ends the input and returns them in order. git starts with the first
    request: a timeline whose versions were all read before (`timelinecache`) starts none."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self._out: list[bytes] = []

    def _readers(self, process: subprocess.Popen) -> list:
        return [_drain(process.stdout, self._out)]

    def contents(self) -> list[bytes | None]:
        """The content of each object asked for (None where absent), in the order asked."""
        if not self._finish():
            return []
        try:
            return _parse_batch(b"".join(self._out), self.count)
        except (ValueError, IndexError):
            raise _garbled(self.root) from None


class BlobIdFeed(_CatFileFeed):
    """`git cat-file --batch-check` fed object names while they become known: each answer,
    the blob id the name stands for (None: no blob there, as an absent file, a folder or a
    submodule), is handed to `on_id(index, blob_id)` on a thread as soon as git gives it,
    so that what it needs can be asked for at once; `ids()` ends the input and returns
    them all, in the order asked."""

    MODE = "--batch-check"

    def __init__(self, root: Path, on_id) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.on_id = on_id
        self._ids: list[str | None] = []
        self._broken = False

    def _readers(self, process: subprocess.Popen) -> list:
        import threading

        reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        reader.start()
        return [reader]

    def _read(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            fields = line.split()
            if not line.endswith(b"\n") or len(fields) < 2:
                self._broken = True
                break
            blob_id = fields[0].decode("ascii", "replace") if len(fields) == 3 and fields[1] == b"blob" else None
            self._ids.append(blob_id)
            self.on_id(len(self._ids) - 1, blob_id)

    def ids(self) -> list[str | None]:
        if not self._finish():
            return []
        if self._broken or len(self._ids) != self.count:
            raise _garbled(self.root)
        return self._ids
