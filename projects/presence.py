"""Who is on which question right now, for the people sharing one project folder.

Each app session keeps one small file in `.mlreq/presence/` (machine-local, git-ignored)
with its author, the question it shows and whether it edits; it rewrites it when that
changes and at least every HEARTBEAT seconds, and removes it on exit. A file older than
STALE seconds belongs to a session that died. The files come from other processes (and a
hostile clone could hold some): they are read through safefile, capped at MAX_BYTES,
and their text is only ever shown through safetext.visible.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_write
from .errors import ProjectFileError
from .layout import STATE_DIR
from .safefile import list_project_folder, read_project_file, writable_path

PRESENCE_DIR = f"{STATE_DIR}/presence"
HEARTBEAT = 3.0
"""Seconds between rewrites of an unchanged presence file (it says the session lives)."""
STALE = 10.0
"""Seconds after which a presence file no longer counts."""
MAX_BYTES = 4096
"""A presence file is a few dozen bytes; a larger one is not ours."""


@dataclass(frozen=True)
class Presence:
    session: str
    author: str
    question: str | None
    editing: bool
    at: float
    """When the session last said so (time.time())."""
    moved_at: float = 0.0
    """When it last changed question: the facilitator a read-only view follows is the
    editing session that moved last."""


class PresenceBoard:
    """This session's presence file, and everyone else's."""

    def __init__(self, project_root: Path, session: str | None = None) -> None:
        self.project_root = project_root
        self.session = session or f"{os.getpid()}-{secrets.token_hex(3)}"
        self._said: tuple | None = None
        self._said_at = 0.0
        self._moved_at = 0.0

    @property
    def _relative(self) -> str:
        return f"{PRESENCE_DIR}/{self.session}.json"

    def announce(self, author: str, question: str | None, editing: bool, now: float | None = None) -> None:
        """Say where this session is; written only when it changed or the heartbeat is due.
        A folder that cannot be written costs only the presence line, never an error."""
        now = time.time() if now is None else now
        state = (author, question, editing)
        if self._said is None or self._said[1] != question:
            self._moved_at = now
        if state == self._said and now - self._said_at < HEARTBEAT:
            return
        record = {"author": author, "question": question, "editing": editing, "at": now, "moved_at": self._moved_at}
        try:
            atomic_write(writable_path(self.project_root, self._relative), json.dumps(record).encode())
        except (OSError, ProjectFileError):
            return
        self._said, self._said_at = state, now

    def leave(self) -> None:
        try:
            (self.project_root / self._relative).unlink(missing_ok=True)
        except OSError:
            pass

    def others(self, now: float | None = None) -> list[Presence]:
        """The other live sessions, most recently moved first."""
        now = time.time() if now is None else now
        try:
            names = list_project_folder(self.project_root, PRESENCE_DIR)
        except (OSError, ProjectFileError):
            return []
        found = []
        for name in names:
            session = name.removesuffix(".json")
            if session == self.session or not name.endswith(".json"):
                continue
            presence = _read(self.project_root, name, session)
            # Both ways: a time in the future (a planted or committed file) is not "live for ever".
            if presence is not None and abs(now - presence.at) < STALE:
                found.append(presence)
        return sorted(found, key=lambda p: p.moved_at, reverse=True)


def _read(root: Path, name: str, session: str) -> Presence | None:
    try:
        record = json.loads(read_project_file(root, f"{PRESENCE_DIR}/{name}", limit=MAX_BYTES))
        question = record.get("question")
        return Presence(
            session=session,
            author=str(record["author"])[:200],
            question=str(question) if question is not None else None,
            editing=bool(record.get("editing", True)),
            at=float(record["at"]),
            moved_at=float(record.get("moved_at", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, ProjectFileError):
        return None  # torn, foreign or hostile: nobody is there
