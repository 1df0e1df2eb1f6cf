"""`.mlreq/lock`: one saver at a time across processes, waited for a bounded time.

An `flock` is released by the kernel when its holder dies, so a lock is only ever held
by a live process; but that process may be hung (a hook) or suspended (Ctrl+Z). So a
waiter says whom it waits for ("waiting for another mlreq (pid N)") and gives up after
`lock_wait()` seconds with a line naming the lock file.

On a group-shared repository (`core.sharedRepository`), the lock and the `.mlreq` folder
are made group-writable, like git makes its own files, so the next user is not locked
out; a lock made earlier without group write is still usable (flock needs no write access).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ProjectError
from .gitrepo import GitRepo, process_umask

LOCK_WAIT = 45.0
"""Seconds to wait for another mlreq: longer than a git command may take (its timeout)."""
NOTICE_AFTER = 0.5
"""Seconds of waiting before saying so: two saves meeting briefly is normal."""


class ProjectLockedError(ProjectError):
    """Another mlreq held the project for too long: nothing was written (exit 6)."""

    exit_code = 6
    title = "Project busy"


def lock_wait() -> float:
    """MLREQ_LOCK_WAIT seconds if set, else LOCK_WAIT (read per call, for tests and scripts)."""
    try:
        value = float(os.environ.get("MLREQ_LOCK_WAIT", ""))
    except ValueError:
        return LOCK_WAIT
    return value if value >= 0 else LOCK_WAIT


@contextmanager
def project_lock(state_dir: Path, repo_root: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold `state_dir/lock` exclusively; `on_wait` hears one line if we have to wait."""
    path = state_dir / "lock"
    fd = _open_lock(state_dir, path, repo_root)
    try:
        _acquire(fd, path, on_wait)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, on_wait: Callable[[str], None] | None) -> None:
    waited_since = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ProjectError(f"cannot lock {path}: {exc.strerror or exc}; nothing was saved") from None
        waited = time.monotonic() - waited_since
        holder = _holder(fd)
        who = f"another mlreq (pid {holder})" if holder else "another mlreq"
        if waited >= lock_wait():
            raise ProjectLockedError(
                f"{who} has held {path} for {waited:.0f}s; nothing was saved. If it is hung or suspended "
                "(Ctrl+Z), finish or stop it, then try again"
            )
        if not told and waited >= NOTICE_AFTER and on_wait is not None:
            on_wait(f"waiting for {who} to finish with {path} ...")
            told = True
        time.sleep(0.05)


def _holder(fd: int) -> int | None:
    """The pid holding an flock on the same file, from /proc/locks (Linux; None elsewhere)."""
    inode = os.fstat(fd).st_ino
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (a "->" marks a waiter)
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rpartition(":")[2] == str(inode):
                    pid = int(fields[4])
                    if pid != os.getpid():
                        return pid
    except (OSError, ValueError):
        return None
    return None


def _open_lock(state_dir: Path, path: Path, repo_root: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        pass
    except PermissionError:
        # Made by another user without group write (an older mlreq): flock works read-only.
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError as exc:
            raise _cannot_use(path, exc) from None
    except OSError as exc:
        raise _cannot_use(path, exc) from None
    file_mode, dir_mode = shared_modes(repo_root)
    try:
        state_dir.mkdir(exist_ok=True)
        if dir_mode is not None and state_dir.stat().st_uid == os.getuid():
            os.chmod(state_dir, dir_mode)
    except OSError as exc:
        if not _visible(state_dir.parent):
            raise ProjectError(f"the project folder {state_dir.parent} is gone; nothing was saved") from None
        raise ProjectError(f"cannot write in {state_dir.parent}: {exc.strerror or exc}; nothing was saved") from None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    except OSError as exc:
        raise _cannot_use(path, exc) from None
    if file_mode is not None:
        try:
            os.fchmod(fd, file_mode)
        except OSError:
            pass  # someone else's file made meanwhile: it is theirs to share
    return fd


def _cannot_use(path: Path, exc: OSError) -> ProjectError:
    existing = path if _visible(path) else path.parent
    owner = _owner(existing)
    hint = f" ({existing} is owned by {owner}; to share it: `chmod g+w {existing}`)" if owner else ""
    return ProjectError(f"cannot write {path}: {exc.strerror or exc}{hint}; nothing was saved")


def _visible(path: Path) -> bool:
    try:
        path.lstat()
    except OSError:  # absent, or in a folder we may not look into
        return False
    return True


def _owner(path: Path) -> str | None:
    try:
        uid = path.stat().st_uid
    except OSError:
        return None
    if uid == os.getuid():
        return None
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def shared_modes(repo_root: Path) -> tuple[int | None, int | None]:
    """(file mode, folder mode) for new files per the repository's core.sharedRepository,
    or (None, None) when it is not shared (the umask decides, as for any file)."""
    value = GitRepo(repo_root).shared_repository()
    umask = process_umask()
    base_file, base_dir = 0o666 & ~umask, 0o777 & ~umask
    if value in ("group", "true", "1"):
        return base_file | 0o660, base_dir | 0o2770
    if value in ("all", "world", "everybody", "2"):
        return base_file | 0o664, base_dir | 0o2775
    if value.startswith("0") and len(value) > 1:
        try:
            mode = int(value, 8) & 0o666
        except ValueError:
            return None, None
        return mode | 0o600, (mode | 0o600 | ((mode & 0o444) >> 2)) | 0o2000
    return None, None
