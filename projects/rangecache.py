"""The commits mlreq did not make between two commits, remembered across processes.

Finding them means reading every commit message of the range (one `git log --grep`):
on a long history that costs several times the diff it guards. Two commit ids fix the
range for good (commits never change), so the answer is kept in
`.mlreq/history/<key>.json` (machine-local, git-ignored). The file is untrusted input
like everything in a work tree: anything unexpected in it (a link, a wrong shape, another
range, a malformed id) counts as no file, and the range is walked again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .errors import ProjectFileError
from .layout import STATE_DIR
from .safefile import read_project_file, writable_path

try:  # hashlib's sha256 without hashlib, which loads OpenSSL (3-5 ms of a `mlreq diff`)
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:  # pragma: no cover - another Python implementation
        from hashlib import sha256

CACHE_DIR = f"{STATE_DIR}/history"
_VERSION = 1
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_MAX_BYTES = 4 * 1024 * 1024


def _relative(scope: str, old: str, new: str) -> str:
    key = sha256(f"{_VERSION}\0{scope}\0{old}\0{new}".encode()).hexdigest()[:32]
    return f"{CACHE_DIR}/{key}.json"


def remembered(root: Path, scope: str, old: str, new: str) -> list[str] | None:
    """The commits kept for this range (the walk's answer, newest first), or None when
    there is no trustworthy record."""
    if not (_COMMIT.fullmatch(old) and _COMMIT.fullmatch(new)):
        return None
    try:
        record = json.loads(read_project_file(root, _relative(scope, old, new), limit=_MAX_BYTES))
    except (OSError, ValueError, RecursionError, ProjectFileError):
        return None
    if not isinstance(record, dict) or record.get("version") != _VERSION:
        return None
    if record.get("scope") != scope or record.get("old") != old or record.get("new") != new:
        return None
    commits = record.get("untrusted")
    if not isinstance(commits, list) or not all(isinstance(c, str) and _COMMIT.fullmatch(c) for c in commits):
        return None
    if len(set(commits)) != len(commits):
        return None
    return commits


def remember(root: Path, scope: str, old: str, new: str, commits: list[str]) -> None:
    """Keep the range's commits; a folder we cannot write only means walking again next time."""
    from .atomic import atomic_write  # only a walk's first time writes

    record = {"version": _VERSION, "scope": scope, "old": old, "new": new, "untrusted": commits}
    try:
        atomic_write(writable_path(root, _relative(scope, old, new)), json.dumps(record).encode())
    except (OSError, ProjectFileError):
        pass
