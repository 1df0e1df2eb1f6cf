"""Errors of the project store, each one line a user can act on."""

from __future__ import annotations

from collections import namedtuple

from mlreq.bank.errors import MlreqError


class ProjectError(MlreqError):
    """The project's files or folder cannot be used as asked."""

    title = "Project error"


class NotAProjectError(ProjectError):
    exit_code = 3
    title = "Not a project"


class ProjectFileError(ProjectError):
    """A project file is broken (syntax, encoding, content); the message starts file:line."""

    exit_code = 3
    title = "Broken project file"


class UnknownQuestionError(ProjectError):
    exit_code = 2
    title = "Unknown question"


class InvalidInputError(ProjectError):
    """A value the user gave is not acceptable (status, name, text)."""

    exit_code = 2
    title = "Invalid input"


class ConflictingEntry(namedtuple("ConflictingEntry", ("question_id", "mine", "theirs"))):
    """Both sides of a same-question conflict, kept so neither text is lost.

    A named tuple, not a dataclass nor typing.NamedTuple: every `mlreq` start imports this
    module, and dataclasses brings inspect and ast with it, typing 3 ms of its own (issue 14:
    `mlreq --version` starts fast). question_id: str; mine, theirs: Entry."""

    __slots__ = ()


class ConflictError(ProjectError):
    """The very answer being saved changed on disk since it was loaded."""

    exit_code = 4
    title = "Conflict"

    def __init__(self, message: str, conflict: ConflictingEntry) -> None:
        super().__init__(message)
        self.conflict = conflict


class CommitError(ProjectError):
    """The change is safely on disk but git could not commit it (it will be retried)."""

    exit_code = 5
    title = "Not committed"


class GitReadError(ProjectError):
    """git refused to read the repository (another user's, corrupt): nothing was written."""

    title = "Cannot read the repository"


class GitUnavailableError(CommitError):
    exit_code = 1
    title = "git not found"


class NoIdentityError(CommitError):
    title = "Who are you?"
