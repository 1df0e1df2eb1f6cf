"""Unsaved typing kept on disk, so a crash, a kill or a dropped SSH session loses nothing.

The app writes a draft shortly after each edit and removes it once the answer is saved to
the answer file; a draft left behind is offered back on the next start. Drafts live in
the project's `.mlreq/drafts/` (machine-local, never committed).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .answers import Entry
from .atomic import atomic_write
from .layout import STATE_DIR


@dataclass(frozen=True)
class Draft:
    question_id: str
    text: str
    base: Entry
    """The entry the draft was typed over, to tell a stale draft from a conflict."""
    saved_at: float


def rescue_folder() -> Path:
    """Where drafts go when the project folder itself is gone (deleted, unmounted)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "mlreq" / "rescued"


class DraftStore:
    def __init__(self, project_root: Path) -> None:
        self.project_root = project_root
        self.folder = project_root / STATE_DIR / "drafts"

    def _path(self, question_id: str) -> Path:
        return self.folder / f"{question_id}.json"

    def write(self, question_id: str, text: str, base: Entry) -> None:
        record = {
            "question": question_id,
            "text": text,
            "base": {"answer": base.answer, "status": base.status, "notes": base.notes, "review": base.review},
            "saved_at": time.time(),
        }
        data = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
        # surrogatepass above: a draft must survive even text that cannot become an answer yet.
        if not self.project_root.is_dir():
            # Never recreate a vanished project folder; keep the text in the user's state dir.
            rescue = rescue_folder() / self.project_root.name
            rescue.mkdir(parents=True, exist_ok=True)
            atomic_write(rescue / f"{question_id}.json", data)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self._path(question_id), data)

    def discard(self, question_id: str) -> None:
        self._path(question_id).unlink(missing_ok=True)

    def all(self) -> list[Draft]:
        drafts = []
        if not self.folder.is_dir():
            return drafts
        for path in sorted(self.folder.glob("*.json")):
            try:
                record = json.loads(path.read_bytes().decode("utf-8", "surrogatepass"))
                base = record.get("base", {})
                drafts.append(
                    Draft(
                        question_id=str(record["question"]),
                        text=str(record["text"]),
                        base=Entry(
                            str(base.get("answer", "")),
                            str(base.get("status", "open")),
                            str(base.get("notes", "")),
                            str(base.get("review", "")),
                        ),
                        saved_at=float(record.get("saved_at", 0)),
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a torn or foreign file is not a draft; leave it for a human
        return drafts
