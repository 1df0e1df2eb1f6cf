"""Messages shared between the save queue, the watcher and the screens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from mlreq.bank.errors import MlreqError
from mlreq.projects import Entry, SaveResult
from mlreq.projects.errors import ConflictingEntry


@dataclass
class SaveStarted(Message):
    question_id: str


@dataclass
class SaveFinished(Message):
    """A save ran: `result` on success (which may carry a commit error), else `error`."""

    question_id: str
    saved: Entry
    result: SaveResult | None = None
    error: MlreqError | None = None
    conflict: ConflictingEntry | None = None


@dataclass
class DraftWritten(Message):
    """A draft write ended: where it landed, or `place` None and why it could not be written."""

    question_id: str
    place: Path | None
    reason: str = ""


@dataclass
class DiskChanged(Message):
    """The project's files changed outside this app (or could not be read: `error`)."""

    entries: dict[str, Entry] | None
    error: MlreqError | None = None
    saves_started: int | None = None
    """`SaveQueue.started` when the files were read, None if a save was running then: the
    files may hold this app's own save, not a change made elsewhere."""


@dataclass
class PresenceSeen(Message):
    """The other sessions on this project and their questions changed (see projects/presence.py)."""

    others: list  # list[Presence], most recently moved first
