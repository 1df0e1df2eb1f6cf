"""The one error type every layer raises for problems a user can fix.

The CLI prints `str(error)` as one line and exits with `exit_code`; the TUI shows it in a
toast or modal with `title`. Nothing that reaches a user is a bare traceback.
"""

from __future__ import annotations


class MlreqError(Exception):
    """A problem the user can act on, described in one line."""

    exit_code: int = 1
    title: str = "Error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class BankError(MlreqError):
    """A question-set (form) file is unreadable or inconsistent."""

    exit_code = 3
    title = "Question set error"
