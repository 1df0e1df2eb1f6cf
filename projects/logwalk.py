"""The `git log` a project's log is read from, startable before anything else is loaded.

On 10,000 saves the walk is most of `mlreq log`'s time, and it needs only the repository
and the project's folder in it: the CLI starts it before it reads the project (imports,
form.toml), so both run at once, and `History.log` reads the walk already under way.
"""

from __future__ import annotations

from pathlib import Path

from .gitrepo import GitStream, find_git_root
from .layout import find_project_root

QUESTION_TRAILER = "Mlreq-Question"
"""`commitmessage.TRAILER`, not imported from there: that module loads the answers' model."""
FIELD, RECORD = "\x1f", "\x1e"
FIELDS = ("%H", "%an", "%ae", "%aI", "%s", f"%(trailers:key={QUESTION_TRAILER},valueonly,separator=%x2c)")


def log_arguments(scope: str, limit: int | None = None) -> list[str]:
    """`git log` of the project's saves, newest first, one record per save."""
    return ["log", f"--format={FIELD.join(FIELDS)}{RECORD}", *([f"-n{limit}"] if limit else []), "--", scope or "."]


def start_walk(repo_root: Path, scope: str, limit: int | None = None) -> GitStream:
    stream = GitStream(repo_root, *log_arguments(scope, limit))
    stream.key = (repo_root, scope, limit)
    return stream


def start_walk_at(path: Path) -> GitStream | None:
    """The log walk of the project at or above `path`, or None when there is no such
    project or repository (the command then says so, as without it)."""
    try:
        root = find_project_root(path)
        repo_root = find_git_root(root)
        if repo_root is None or not root.is_relative_to(repo_root.resolve()):
            return None
        scope = root.relative_to(repo_root).as_posix()
        return start_walk(repo_root, "" if scope in (".", "") else scope)
    except Exception:  # noqa: BLE001 - only a head start: the command reports its own errors
        return None
