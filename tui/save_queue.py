"""Saves run one at a time off the UI thread, latest text winning, never cancelled.

Typing only records the wish to save; a single worker drains the queue, so a slow commit
(a busy disk, a hook) never delays a keystroke and two saves never race each other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlreq.bank.errors import MlreqError
from mlreq.projects import ConflictError, Entry, Project
from mlreq.projects.commitmessage import Restoration

from .messages import SaveFinished, SaveStarted

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump


RETRY = ""
"""The question id of a request that only commits what is pending."""


@dataclass
class SaveRequest:
    question_id: str
    wanted: Entry
    base: Entry | None
    restored_from: Restoration | None = None
    """Set when the wanted answer is an earlier version brought back: the commit says so."""
    minor: bool = False
    """A minor edit: flags nothing that builds on it (the commit says so)."""


class SaveQueue:
    def __init__(self, app: App, project: Project, target: MessagePump | None = None) -> None:
        self.app = app
        self.project = project
        self.target = target if target is not None else app
        """Who hears SaveStarted / SaveFinished: the screen that handles them."""
        self._pending: dict[str, SaveRequest] = {}
        self._lock = threading.Lock()
        self._running = False
        self._idle = threading.Event()
        self._idle.set()
        self.started = 0
        """Saves taken up by the worker so far; each one is answered by one SaveFinished."""
        self._flagged: dict[str, tuple[Entry, Entry]] = {}
        """Entries this queue's own saves marked needs-review, or put back when that was
        undone: (before, after) (worker only)."""

    def request(
        self, question_id: str, wanted: Entry, base: Entry | None, restored_from: Restoration | None = None, minor: bool = False
    ) -> None:
        """Queue a save; a newer request for the same question replaces an older one (and
        its restore note: text typed over a restored version is an edit, not a restore)."""
        with self._lock:
            earlier = self._pending.get(question_id)
            # Keep the oldest base: the conflict check is against what the user started from.
            self._pending[question_id] = SaveRequest(question_id, wanted, earlier.base if earlier else base, restored_from, minor)
            if self._running:
                return
            self._running = True
            self._idle.clear()
        self.app.run_worker(self._drain, thread=True, group="git", exit_on_error=False, description="saving answers")

    def retry_commit(self) -> None:
        """Commit what an earlier save left uncommitted (no identity, a lock, a hook)."""
        self.request(RETRY, Entry(), None)

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued save has run (used when quitting)."""
        return self._idle.wait(timeout)

    def _drain(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._pending:
                        self._running = False
                        self._idle.set()
                        return
                    question_id = next(iter(self._pending))
                    request = self._pending.pop(question_id)
                    self.started += 1
                self.target.post_message(SaveStarted(question_id))
                self.target.post_message(self._save(request))
        except BaseException:
            # Never leave the queue "running" with no worker: the next request starts a
            # new one, and quitting does not wait for a dead one.
            with self._lock:
                self._running = False
                self._idle.set()
            raise

    def _base(self, request: SaveRequest) -> Entry | None:
        """The request's base, moved past a needs-review flag an earlier save of ours set.

        The screen asks for a save on what it knew; if our own previous save flagged that
        question meanwhile (and nothing else touched it), that flag is not a conflict."""
        before, after = self._flagged.get(request.question_id, (None, None))
        return after if before is not None and request.base == before else request.base

    @staticmethod
    def _agreed_by(request: SaveRequest) -> tuple[str, ...] | None:
        """The sign-offs to record, only when the user changed them (F8): roles a file
        holds that the form does not know must not stop every later save of the answer."""
        before = request.base.agreed_by if request.base is not None else ()
        return request.wanted.agreed_by if request.wanted.agreed_by != before and request.wanted.agreed_by else None

    def _save(self, request: SaveRequest) -> SaveFinished:
        wanted = request.wanted
        try:
            if request.question_id == RETRY:
                return SaveFinished(RETRY, wanted, result=self.project.commit_pending())
            try:
                before = self.project.entries()
            except MlreqError:  # another stage's file is broken: this question's save still goes ahead
                before = {}
            result = self.project.save(
                request.question_id,
                answer=wanted.answer,
                status=wanted.status,
                notes=wanted.notes,
                base=self._base(request),
                restored_from=request.restored_from,
                minor=request.minor,
                agreed_by=self._agreed_by(request),
            )
            self._flagged.pop(request.question_id, None)
            for flagged in (*result.flagged, *result.withdrawn):
                if flagged in before:
                    self._flagged[flagged] = (before[flagged], self.project.entry(flagged))
        except ConflictError as exc:
            return SaveFinished(request.question_id, wanted, error=exc, conflict=exc.conflict)
        except MlreqError as exc:
            return SaveFinished(request.question_id, wanted, error=exc)
        except OSError as exc:  # a vanished folder or a full disk: report, keep the text
            return SaveFinished(request.question_id, wanted, error=MlreqError(f"cannot save: {exc.strerror or exc}"))
        except Exception as exc:  # noqa: BLE001 - anything else from a hostile repository: a message, never a dead queue
            what = request.question_id or "the pending answers"
            error = MlreqError(f"cannot save {what}: unexpected {type(exc).__name__}: {exc}")
            return SaveFinished(request.question_id, wanted, error=error)
        return SaveFinished(request.question_id, wanted, result=result)
