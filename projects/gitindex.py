"""git's index file read without a git process, for the plain kind only (issue 14).

`git ls-files --unmerged` costs every `mlreq answer` a process; for an index of version 2
or 3 in a SHA-1 repository, not split, of a modest size, the same list is a loop over its
entries. Anything else (version 4's compressed paths, a split or SHA-256 index, an
environment that points git elsewhere, a git folder someone else owns, a layout that does
not add up to the file's length) returns None, and git is asked as before.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .gitrepo import common_dir, git_dir

MAX_INDEX_BYTES = 1 << 20
"""Larger indexes (tens of thousands of files) are git's to read: its loop is faster."""
_ELSEWHERE = ("GIT_INDEX_FILE", "GIT_DIR", "GIT_COMMON_DIR", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY")
_ID_BYTES = 20  # SHA-1
_HEADER = 62  # ctime, mtime, dev, ino, mode, uid, gid, size (4 bytes each, times 8), id, flags


def index_entries(repo_root: Path) -> list[tuple[str, int, str]] | None:
    """(path, stage, object id) of every entry, in the index's order; None: ask git."""
    if any(name in os.environ for name in _ELSEWHERE):
        return None
    try:
        folder = git_dir(repo_root)
        common = common_dir(folder)  # a linked worktree: its config is the main one's
        if os.stat(folder).st_uid != os.getuid() or b"objectformat" in read_git_file(common / "config", 1 << 20).lower():
            return None  # git may refuse another user's repository; SHA-256 ids are longer
        data = read_git_file(folder / "index", MAX_INDEX_BYTES)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return parse_index(data)


def parse_index(data: bytes) -> list[tuple[str, int, str]] | None:
    """The entries of an index file's bytes (version 2 or 3, not split); None otherwise."""
    end = len(data) - _ID_BYTES  # the trailing checksum
    if end < 12 or data[:4] != b"DIRC":
        return None
    version, count = int.from_bytes(data[4:8], "big"), int.from_bytes(data[8:12], "big")
    if version not in (2, 3):
        return None
    entries = []
    at = 12
    for _ in range(count):
        if at + _HEADER > end:
            return None
        flags = int.from_bytes(data[at + 60 : at + 62], "big")
        name_at = at + _HEADER
        if flags & 0x4000:  # extended flags (version 3): two more bytes
            if version < 3:
                return None
            name_at += 2
        length = flags & 0xFFF
        name_end = name_at + length
        if length == 0xFFF or name_end >= end or data[name_end] != 0:
            return None  # a name of 4095 bytes or more is measured by its NUL: git's to read
        object_id = data[at + 40 : at + 40 + _ID_BYTES].hex()
        entries.append((data[name_at:name_end].decode("utf-8", "replace"), (flags >> 12) & 3, object_id))
        at += (name_end - at + 8) & ~7  # 1 to 8 NULs pad each entry to a multiple of 8 bytes
    while at < end:  # extensions: a split index keeps entries elsewhere ("link")
        if at + 8 > end or data[at : at + 4] == b"link":
            return None
        at += 8 + int.from_bytes(data[at + 4 : at + 8], "big")
    return entries if at == end else None


def unmerged_paths(repo_root: Path) -> list[str] | None:
    """What `git ls-files --unmerged` names, once each, in its order; None: ask git."""
    entries = index_entries(repo_root)
    if entries is None:
        return None
    return list(dict.fromkeys(path for path, stage, _ in entries if stage))


def read_git_file(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, never through a link (ValueError: larger,
    or not a regular file: a FIFO is opened without waiting and never read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(path)
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read(limit + 1)
    finally:
        if fd != -1:
            os.close(fd)
    if len(data) > limit:
        raise ValueError(path)
    return data
