"""Unsaved typing kept on disk, so a crash, a kill or a dropped SSH session loses nothing.

The app writes a draft shortly after each edit and removes it once the answer is saved to
the answer file; a draft left behind is offered back on the next start. Drafts live in
the project's `.mlreq/drafts/` (machine-local, never committed).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from mlreq.bank.errors import MlreqError

from .answers import Entry
from .atomic import atomic_write
from .errors import ProjectFileError
from .layout import DRAFTS_DIR, STATE_DIR
from .safefile import list_project_folder, read_project_file, read_regular_file, writable_path


@dataclass(frozen=True)
class Draft:
    question_id: str
    text: str
    base: Entry
    """The entry the draft was typed over, to tell a stale draft from a conflict."""
    saved_at: float
    path: Path | None = None
    session: str = ""
    """"<pid>-<token>" of the app session that typed it ("" for drafts of older versions)."""
    project: str = ""
    """The project folder it belongs to (rescued drafts of several projects share a folder)."""

    @property
    def from_live_session(self) -> bool:
        """Whether the process that typed it still runs (then it is not left behind)."""
        return session_is_live(self.session)


def session_is_live(session: str) -> bool:
    """Whether the app session "<pid>-<token>" still runs (its drafts are not left behind)."""
    pid = session.split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    try:  # a killed process waits as a zombie until its parent reaps it: it is gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def tracked_in(project_root: Path, folder: str) -> set[str]:
    """Names of files in a machine-local state folder that git tracks. Those arrived through
    git, typed on someone else's machine (or planted): never offered as this user's typing.
    Asked only when there is a draft to offer; no answer from git counts as none tracked."""
    from .gitrepo import GitRepo  # only here: listing drafts needs no git

    try:
        status, out, _ = GitRepo(project_root).run("ls-files", "-z", "--", folder, check=False)
    except MlreqError:
        return set()
    return {Path(name).name for name in out.split("\0") if name} if status == 0 else set()


def json_names(project_root: Path, folder: str) -> list[str]:
    """The `.json` files in a state folder of the project ([] when it is missing, unreadable
    or a link: a committed .mlreq/ could point anywhere)."""
    try:
        return [name for name in list_project_folder(project_root, folder) if name.endswith(".json")]
    except (OSError, ProjectFileError):
        return []


def rescue_folder() -> Path:
    """Where drafts go when the project folder is gone or cannot be written."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "mlreq" / "rescued"


class DraftStore:
    """One app session's drafts; every session's drafts can be listed.

    Each session writes its own files (`<question>@<pid>-<token>.json`), so one session's
    successful save never deletes another session's unsaved typing.
    """

    def __init__(self, project_root: Path) -> None:
        self.project_root = project_root
        self.folder = project_root / STATE_DIR / "drafts"
        self.session = f"{os.getpid()}-{secrets.token_hex(3)}"

    def _name(self, question_id: str) -> str:
        return f"{question_id}@{self.session}.json"

    def write(self, question_id: str, text: str, base: Entry) -> Path:
        """Keep `text` on disk; where the project cannot be written, in the rescue folder."""
        record = {
            "question": question_id,
            "text": text,
            "base": {"answer": base.answer, "status": base.status, "notes": base.notes, "review": base.review,
                     "agreed_by": list(base.agreed_by)},
            "saved_at": time.time(),
            "session": self.session,
            "project": str(self.project_root),
        }
        # surrogatepass: a draft must survive even text that cannot become an answer yet.
        data = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
        if self.project_root.is_dir():  # never recreate a vanished project folder
            try:
                path = writable_path(self.project_root, f"{DRAFTS_DIR}/{self._name(question_id)}")
                atomic_write(path, data)
                return path
            except (OSError, ProjectFileError):
                pass  # read-only, full, or .mlreq/ is a link: fall through to the user's own state folder
        rescue = rescue_folder() / self.project_root.name
        rescue.mkdir(parents=True, exist_ok=True)
        path = rescue / self._name(question_id)
        atomic_write(path, data)
        return path

    def discard(self, question_id: str) -> None:
        """Drop this session's draft of a question (its text is now in the answer file)."""
        for folder in (self.folder, rescue_folder() / self.project_root.name):
            try:
                (folder / self._name(question_id)).unlink(missing_ok=True)
            except OSError:
                pass

    def remove(self, draft: Draft) -> None:
        """Drop a draft of any session (after it was restored or declined)."""
        if draft.path is not None:
            try:
                draft.path.unlink(missing_ok=True)
            except OSError:
                pass

    def all(self) -> list[Draft]:
        """Every session's drafts for this project, oldest first."""
        drafts = [d for d in (_read(self.folder / name, self.project_root) for name in json_names(self.project_root, DRAFTS_DIR)) if d]
        rescue = rescue_folder() / self.project_root.name
        if rescue.is_dir():
            drafts += [d for d in (_read(path) for path in sorted(rescue.glob("*.json"))) if d]
        mine = str(self.project_root)
        ours = (d for d in drafts if d.path and (d.path.parent == self.folder or d.project == mine))
        return sorted(ours, key=lambda d: d.saved_at)

    def left_behind(self) -> list[Draft]:
        """Drafts of sessions that ended without saving them: what to offer back (never one
        that git tracks: that came with the repository, not from this machine's typing)."""
        left = [d for d in self.all() if not d.from_live_session]
        tracked = tracked_in(self.project_root, DRAFTS_DIR) if any(d.path and d.path.parent == self.folder for d in left) else set()
        return [d for d in left if not (d.path and d.path.parent == self.folder and d.path.name in tracked)]


def _read(path: Path, project_root: Path | None = None) -> Draft | None:
    try:
        if project_root is not None:
            data = read_project_file(project_root, f"{DRAFTS_DIR}/{path.name}")
        else:
            data = read_regular_file(path)
        record = json.loads(data.decode("utf-8", "surrogatepass"))
        base = record.get("base", {})
        return Draft(
            question_id=str(record["question"]),
            text=str(record["text"]),
            base=Entry(
                str(base.get("answer", "")),
                str(base.get("status", "open")),
                str(base.get("notes", "")),
                str(base.get("review", "")),
                agreed_by=tuple(str(r) for r in base.get("agreed_by", [])),
            ),
            saved_at=float(record.get("saved_at", 0)),
            path=path,
            session=str(record.get("session", "")),
            project=str(record.get("project", "")),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, ProjectFileError):
        return None  # a torn or foreign file is not a draft; leave it for a human
