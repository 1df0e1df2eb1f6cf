"""Reading and writing a project's files without leaving the project or opening special files.

A project arrives from other people through git, so any of its files may be a symbolic
link (to ~/.ssh/id_rsa, to /dev/zero), a FIFO, or huge. Every project file is read with
`read_project_file`: each folder on the way is opened without following links, the file
itself with O_NOFOLLOW|O_NONBLOCK, and only a regular file of at most MAX_FILE_BYTES is
read. Writes ask `writable_path` first, which refuses the same things before anything is
written. The project's root folder itself may be reached through links (the user chose
it); nothing below it may be one.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from mlreq.bank.tomlcache import cached_parse
from mlreq.bank.tomlread import decode_utf8, merge_conflict_error, tomllib_error_line

from .errors import InvalidInputError, ProjectFileError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

MAX_FILE_BYTES = 16 * 1024 * 1024
"""A filled-in form is tens of kilobytes; anything near this is not a project file."""

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class UnsafeFileError(ProjectFileError):
    """A project file is a link, a special file, outside the project, or too large."""

    title = "Unsafe project file"


def _parts(relative: str) -> list[str]:
    path = PurePosixPath(relative)
    parts = list(path.parts)
    if not parts or path.is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise UnsafeFileError(f"{relative}: not a path inside the project; refused")
    return parts


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a file"
    return "a special file"


def refusal(shown: str, mode: int, expected: str = "a regular file") -> UnsafeFileError:
    what = _kind(mode)
    if stat.S_ISLNK(mode):
        return UnsafeFileError(
            f"{shown}: is a symbolic link; mlreq never reads or writes through links in a project "
            f"(it could reach files outside it): replace it with {expected}"
        )
    return UnsafeFileError(f"{shown}: is {what}, not {expected}; refused")


@contextmanager
def _folder(root: Path, parts: list[str], create: bool = False) -> Iterator[int]:
    """A descriptor of root/parts..., every step opened without following links."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for index, name in enumerate(parts):
            shown = "/".join(parts[: index + 1])
            try:
                step = _open_step(fd, name, shown)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(name, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass  # made meanwhile (or a dangling link: the next open refuses it)
                step = _open_step(fd, name, shown)
            os.close(fd)
            fd = step
        yield fd
    finally:
        os.close(fd)


def _open_step(fd: int, name: str, shown: str) -> int:
    try:
        return os.open(name, _FOLDER, dir_fd=fd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        raise refusal(shown, os.lstat(name, dir_fd=fd).st_mode, "a folder") from None


def _read_descriptor(fd: int, shown: str, limit: int) -> bytes:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise refusal(shown, info.st_mode)
    if info.st_size > limit:
        raise UnsafeFileError(f"{shown}: {info.st_size} bytes, more than the {limit // 2**20} MiB mlreq reads; refused")
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise UnsafeFileError(f"{shown}: more than the {limit // 2**20} MiB mlreq reads; refused")


def read_project_file(root: Path, relative: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of root/relative, a regular file inside the project and not a link.

    A missing file raises FileNotFoundError, other OS failures OSError, as `read_bytes`
    does; a link, special file or oversized file raises UnsafeFileError.
    """
    parts = _parts(relative)
    with _folder(root, parts[:-1]) as folder:
        try:
            fd = os.open(parts[-1], _FILE, dir_fd=folder)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            raise refusal(relative, stat.S_IFLNK) from None
        try:
            return _read_descriptor(fd, relative, limit)
        finally:
            os.close(fd)


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path` if it is a regular file (not a link) of at most `limit` bytes."""
    try:
        fd = os.open(path, _FILE)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise refusal(str(path), stat.S_IFLNK) from None
    try:
        return _read_descriptor(fd, str(path), limit)
    finally:
        os.close(fd)


def read_user_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file the user named on the command line: links followed and pipes read (their
    choice, e.g. `--file <(cmd)`), but never more than `limit` bytes, never a folder."""
    try:
        with open(path, "rb") as handle:
            if stat.S_ISDIR(os.fstat(handle.fileno()).st_mode):
                raise InvalidInputError(f"{path}: is a folder, not a file")
            data = handle.read(limit + 1)
    except IsADirectoryError:
        raise InvalidInputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InvalidInputError(f"{path}: more than {limit // 2**20} MiB; an answer must be smaller")
    return data


def read_limited(stream: Any, shown: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most `limit` bytes from a binary stream (standard input), or a clear error."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidInputError(f"{shown}: more than {limit // 2**20} MiB; an answer must be smaller")
    return data


def list_project_folder(root: Path, relative: str) -> list[str]:
    """Names in a project folder ([] if it is missing); refuses a folder that is a link."""
    try:
        with _folder(root, _parts(relative)) as fd:
            return sorted(os.listdir(fd))
    except FileNotFoundError:
        return []


def check_folder(root: Path, relative: str) -> None:
    """Refuse root/relative if it, or a folder on the way, is a link or not a folder.
    Missing folders are fine (whoever needs them creates them)."""
    path, parts = root, _parts(relative)
    for index, name in enumerate(parts):
        path = path / name
        try:  # lstat, not open: a folder we may not read (another user's) is not our business here
            mode = os.lstat(path).st_mode
        except OSError:
            return  # missing, or not ours to look into: whoever uses it next says why
        if not stat.S_ISDIR(mode):
            raise refusal("/".join(parts[: index + 1]), mode, "a folder")


def project_folder(root: Path, relative: str) -> Path:
    """root/relative as a real folder inside the project (created if missing), never a link."""
    with _folder(root, _parts(relative), create=True):
        return root.joinpath(*_parts(relative))


def writable_path(root: Path, relative: str) -> Path:
    """root/relative, checked to be safe to replace: every folder on the way is a real
    folder inside the project (missing ones are created), and the file, if it exists,
    is a regular file and not a link. Raises UnsafeFileError before anything is written."""
    parts = _parts(relative)
    with _folder(root, parts[:-1], create=True) as folder:
        try:
            info = os.lstat(parts[-1], dir_fd=folder)
        except FileNotFoundError:
            return root.joinpath(*parts)
        if not stat.S_ISREG(info.st_mode):
            raise refusal(relative, info.st_mode)
    return root.joinpath(*parts)


def parse_toml(data: bytes, shown: str, error: type[ProjectFileError] = ProjectFileError) -> dict[str, Any]:
    """Parsed TOML, with every failure (encoding, syntax, absurd nesting) one line naming the file."""
    import tomllib

    text = decode_utf8(data, shown, error)
    conflict = merge_conflict_error(text, shown)  # a line-merged file: say so, not "Invalid statement"
    if conflict:
        raise error(conflict)
    from mlreq.bank import tomlfast  # here: a file the parse cache holds needs no reader (its patterns cost ~2 ms)

    fast = tomlfast.loads(text)  # mlreq's own plain TOML, exactly as tomllib reads it, 3x faster
    if fast is not None:
        return fast
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(tomllib_error_line(exc, shown)) from None
    except RecursionError:
        raise error(f"{shown}: values nested too deeply to read; refused") from None


def read_project_toml(root: Path, relative: str, error: type[ProjectFileError] = ProjectFileError) -> dict[str, Any]:
    """A project TOML file (mlreq.toml, form.toml), read safely and parsed."""
    try:
        data = read_project_file(root, relative)
    except FileNotFoundError:
        raise error(f"{root / relative}: file not found") from None
    except OSError as exc:
        raise error(f"{root / relative}: cannot read ({exc.strerror or exc})") from None
    # mlreq.toml and form.toml change rarely and are read by every command: parsed once
    # per version of their bytes (see bank/tomlcache.py).
    return cached_parse(data, lambda: parse_toml(data, str(root / relative), error))
