"""Which blob each project file is in a commit, remembered by the commit's id (issue 14).

`mlreq status` and `answer` compare the work tree with HEAD; when every answer file's
bytes are the blob HEAD holds, its parse is the work tree's and no `git cat-file` runs.
A commit id names its tree, so an entry never goes stale. Entries are written only from
what git gave: a `cat-file`'s contents, or mlreq's own commit, whose parent the reflog
confirms (`git commit --only` keeps the parent's other files) and whose files the index
holds as the blobs of the bytes mlreq wrote. They live in the user's cache folder (never
in a work tree), as plain JSON, checked on reading; anything unsure means asking git.
"""

from __future__ import annotations

import os
import re
import stat

from mlreq.bank import tomlcache  # its JSON entries: checked on reading, written whole, pruned

from .gitindex import read_git_file
from .gitrepo import blob_id, common_dir, git_dir  # blob_id: project.py's checks call it from here

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from pathlib import Path

FOLDER = "heads-1"
_COMMIT = re.compile(r"[0-9a-f]{40}")
_REFLOG_TAIL = 64 * 1024


def usable(repo_root: Path) -> bool:
    """Whether a commit's files are what its id says here: not when replace refs or an
    environment can swap objects or the repository (then git is asked every time)."""
    if any(name in os.environ for name in ("GIT_DIR", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_REPLACE_REF_BASE")):
        return False
    try:
        common = common_dir(git_dir(repo_root))
        if (common / "refs" / "replace").exists() or (common / "info" / "grafts").exists():
            return False
        packed = common / "packed-refs"
        return not (packed.exists() and b"refs/replace/" in read_git_file(packed, 64 << 20))
    except (OSError, UnicodeDecodeError, ValueError):
        return False


def load(commit: str) -> dict[str, str | None] | None:
    """path -> blob id (None: absent) remembered for `commit`, or None."""
    name = _entry(commit)
    found = tomlcache.load_entry(name) if name else None
    if found is None or not all(isinstance(k, str) and (v is None or (isinstance(v, str) and _COMMIT.fullmatch(v))) for k, v in found.items()):
        return None
    return found


def store(commit: str, blobs: dict[str, str | None]) -> None:
    name = _entry(commit)
    if name is not None:
        tomlcache.store_entry(os.path.dirname(name), name, blobs)


def parent_in_reflog(repo_root: Path, commit: str) -> str | None:
    """The commit HEAD moved from when `git commit` made `commit` (HEAD's reflog), or None."""
    try:
        fd = os.open(git_dir(repo_root) / "logs" / "HEAD", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except (OSError, UnicodeDecodeError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        os.lseek(fd, max(0, os.fstat(fd).st_size - _REFLOG_TAIL), os.SEEK_SET)
        data = os.read(fd, _REFLOG_TAIL)
    except OSError:
        return None
    finally:
        os.close(fd)
    for line in reversed(data.split(b"\n")):
        fields = line.split(b" ", 2)
        if len(fields) == 3 and fields[1] == commit.encode() and b"\tcommit: " in fields[2]:
            old = fields[0].decode("ascii", "replace")
            return old if _COMMIT.fullmatch(old) else None
    return None


def _entry(commit: str) -> str | None:
    folder = tomlcache.cache_folder()
    if folder is None or not _COMMIT.fullmatch(commit):
        return None
    return os.path.join(os.path.dirname(folder), FOLDER, f"{commit}.json")
