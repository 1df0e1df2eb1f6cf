"""A requirements project on disk: TOML answers in git, saved and committed atomically.

Plain Python: never imports textual, so the CLI and tests drive everything.
"""

from __future__ import annotations

import importlib

from .errors import (
    CommitError,
    ConflictError,
    InvalidInputError,
    NoIdentityError,
    NotAProjectError,
    ProjectError,
    ProjectFileError,
    UnknownQuestionError,
)

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

    from .answers import EMPTY, Entry
    from .commitmessage import Change
    from .create import check_project_name, create_project
    from .gitrepo import Identity
    from .project import Project, SaveResult

# Loaded on first use (PEP 562): a short `mlreq` command that needs an error class or one
# module does not pay for git, TOML writing, merging and requirements it never runs.
_LAZY = {
    "EMPTY": "answers",
    "Entry": "answers",
    "Change": "commitmessage",
    "check_project_name": "create",
    "create_project": "create",
    "Identity": "gitrepo",
    "Project": "project",
    "SaveResult": "project",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EMPTY",
    "Change",
    "CommitError",
    "ConflictError",
    "Entry",
    "Identity",
    "InvalidInputError",
    "NoIdentityError",
    "NotAProjectError",
    "Project",
    "ProjectError",
    "ProjectFileError",
    "SaveResult",
    "UnknownQuestionError",
    "check_project_name",
    "create_project",
]
