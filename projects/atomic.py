"""Atomic file replacement: a kill at any moment leaves the old file or the new one."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a synced temporary file and a rename, keeping the mode.

    On any failure (a full disk, a read-only folder) the temporary file is removed and
    `path` is untouched; only a kill can leave a temporary behind (see remove_leftovers).
    """
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    descriptor, temporary = _temporary_file(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(path.parent)


def _temporary_file(path: Path) -> tuple[int, str]:
    """A new file beside `path`, as `tempfile.mkstemp` makes it (0600, O_EXCL, no link
    followed), without importing tempfile (and with it shutil and random) into every save."""
    for _ in range(100):
        temporary = os.path.join(path.parent, f"{_prefix(path)}{os.urandom(6).hex()}.tmp")
        try:
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(path.parent))


def write_output(path: Path, data: bytes) -> None:
    """Write a file the user named (an export), as a shell's `>` would, but atomically
    where that is possible.

    A regular file, or a new one, is replaced atomically; a link to one keeps the link
    and has its target replaced. A device, FIFO or socket (`/dev/null`, a named pipe,
    `/dev/stdout` on a terminal or pipe) is written into: replacing it with a regular file
    would break it, and the reader of a FIFO would get nothing.
    """
    try:
        mode = os.stat(path).st_mode  # through links: what the name leads to
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    if str(path.absolute()).startswith(("/dev/", "/proc/")):
        # /dev/stdout, /dev/fd/N: the shell's own open file, maybe opened with `>>`.
        _write_into(path, data, os.O_APPEND if mode is not None and stat.S_ISREG(mode) else 0)
    elif mode is None or stat.S_ISREG(mode):
        atomic_write(Path(os.path.realpath(path)) if path.is_symlink() else path, data)
    else:
        _write_into(path, data, 0)


def _write_into(path: Path, data: bytes, flags: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | flags)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def remove_leftovers(path: Path) -> None:
    """Delete the temporary files of `path` that a killed write left behind.

    Only safe while no other writer of `path` can run (the caller holds the project lock).
    Only regular files are removed; anything else with such a name is left for a human.
    """
    prefix = _prefix(path)
    try:
        names = [name for name in os.listdir(path.parent) if name.startswith(prefix) and name.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        leftover = path.parent / name
        try:
            if stat.S_ISREG(os.lstat(leftover).st_mode):
                leftover.unlink()
        except OSError:
            pass


def _prefix(path: Path) -> str:
    return f".{path.name}."


def _fsync_directory(directory: Path) -> None:
    # The rename itself must reach the disk, or a power cut can bring back the old name.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    # os.umask() can only be read by setting it, which races with other threads' files.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022
