"""A requirements project on disk: TOML answers in git, saved and committed atomically.

Plain Python: never imports textual, so the CLI and tests drive everything.
"""

from .answers import EMPTY, Entry
from .commitmessage import Change
from .create import check_project_name, create_project
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
from .gitrepo import Identity
from .project import Project, SaveResult

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
