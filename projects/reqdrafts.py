"""Unsaved requirements kept on disk while they are being written in the app.

A requirement is typed in a dialog, not in the answer box, and is written to
requirements.toml only on Ctrl+S. Until then its fields live here, in
`.mlreq/requirement-drafts/<question>@<session>.json` (machine-local, never committed), so
that quitting, a dropped SSH session, a kill or a refused write never loses them: the
next `w` on the same question brings the newest one back. A draft goes once the
requirement is in requirements.toml, or when the user discards it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_write
from .drafts import json_names, rescue_folder, session_is_live, tracked_in
from .errors import ProjectFileError
from .layout import STATE_DIR
from .safefile import read_project_file, read_regular_file, writable_path

REQUIREMENT_DRAFTS_DIR = f"{STATE_DIR}/requirement-drafts"
FIELDS = {"text": str, "pattern": str, "priority": str, "criteria": list}


@dataclass(frozen=True)
class RequirementDraft:
    question_id: str
    values: dict[str, Any]
    """The editor's fields: text, pattern, priority, criteria (a list of lines)."""
    saved_at: float
    path: Path
    session: str

    @property
    def from_live_session(self) -> bool:
        return session_is_live(self.session)


class RequirementDrafts:
    """One app session's requirement drafts; every session's can be found and taken over."""

    def __init__(self, project_root: Path, session: str) -> None:
        self.project_root = project_root
        self.session = session
        self.folder = project_root / REQUIREMENT_DRAFTS_DIR
        self.rescue = rescue_folder() / project_root.name / "requirements"

    def _name(self, question_id: str) -> str:
        return f"{question_id}@{self.session}.json"

    def write(self, question_id: str, values: dict[str, Any]) -> Path:
        """Keep the fields on disk (in the user's state folder where the project cannot be
        written); raises OSError when neither can be."""
        record = {
            "question": question_id,
            "values": {key: values[key] for key in FIELDS if key in values},
            "saved_at": time.time(),
            "session": self.session,
            "project": str(self.project_root),
        }
        data = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
        if self.project_root.is_dir():
            try:
                path = writable_path(self.project_root, f"{REQUIREMENT_DRAFTS_DIR}/{self._name(question_id)}")
                atomic_write(path, data)
                return path
            except (OSError, ProjectFileError):
                pass  # read-only, full, or .mlreq/ is a link: the user's own state folder
        self.rescue.mkdir(parents=True, exist_ok=True)
        path = self.rescue / self._name(question_id)
        atomic_write(path, data)
        return path

    def newest(self, question_id: str) -> RequirementDraft | None:
        """The newest draft of a requirement from `question_id`: this session's, or one a
        session that has ended left behind (another live session's is its own business)."""
        found = [
            d for d in self._all()
            if d.question_id == question_id and (d.session == self.session or not d.from_live_session)
        ]
        return max(found, key=lambda d: d.saved_at, default=None)

    def left_behind(self) -> list[str]:
        """Questions with a requirement draft that an ended session left: to mention at start."""
        return sorted({d.question_id for d in self._all() if d.session != self.session and not d.from_live_session})

    def discard(self, question_id: str) -> None:
        """Drop every draft of a requirement from `question_id` this session may take over
        (it is now in requirements.toml, or the user threw it away)."""
        for draft in self._all():
            if draft.question_id == question_id and (draft.session == self.session or not draft.from_live_session):
                try:
                    draft.path.unlink(missing_ok=True)
                except OSError:
                    pass

    def _all(self) -> list[RequirementDraft]:
        """Every readable draft of this project, but none git tracks (see `tracked_in`)."""
        drafts = self._in_project()
        if drafts:
            tracked = tracked_in(self.project_root, REQUIREMENT_DRAFTS_DIR)
            drafts = [d for d in drafts if d.path.name not in tracked]
        if self.rescue.is_dir():
            drafts += [d for d in (self._read(path) for path in sorted(self.rescue.glob("*.json"))) if d]
        return drafts

    def _in_project(self) -> list[RequirementDraft]:
        found = (self._read(self.folder / name, inside=True) for name in json_names(self.project_root, REQUIREMENT_DRAFTS_DIR))
        return [d for d in found if d]

    def _read(self, path: Path, inside: bool = False) -> RequirementDraft | None:
        try:
            data = read_project_file(self.project_root, f"{REQUIREMENT_DRAFTS_DIR}/{path.name}") if inside else read_regular_file(path)
            record = json.loads(data.decode("utf-8", "surrogatepass"))
            if not inside and record.get("project") != str(self.project_root):
                return None
            values = {key: kind(record["values"][key]) for key, kind in FIELDS.items() if key in record["values"]}
            values["criteria"] = [str(line) for line in values.get("criteria", [])]
            return RequirementDraft(str(record["question"]), values, float(record.get("saved_at", 0)), path,
                                    str(record.get("session", "")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, ProjectFileError):
            return None  # a torn or foreign file is not a draft; leave it for a human
