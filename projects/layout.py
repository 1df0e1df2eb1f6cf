"""Where a project's files live inside its folder."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from .errors import NotAProjectError, ProjectFileError
from .safefile import refusal

PROJECT_FILE = "mlreq.toml"
FORM_FILE = "form.toml"
REQUIREMENTS_FILE = "requirements.toml"
"""Also named in requirements.py; here so that a save can see there is none without importing it."""
ANSWERS_DIR = "answers"
STATE_DIR = ".mlreq"
"""Machine-local state (lock, drafts); ignored by git through the project's .gitignore."""
DRAFTS_DIR = f"{STATE_DIR}/drafts"
LAST_SYNC_FILE = f"{STATE_DIR}/last-sync"

# Stage ids become file names: a hostile form.toml must not reach outside answers/.
_FILE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def answers_file(stage_id: str) -> str:
    if not _FILE_STEM.match(stage_id) or len(stage_id) > 100:
        raise ProjectFileError(f"{FORM_FILE}: stage id {stage_id!r} cannot name a file in {ANSWERS_DIR}/; use letters, digits and '-'")
    return f"{ANSWERS_DIR}/{stage_id}.toml"


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding mlreq.toml, like git finds .git."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        try:
            mode = (folder / PROJECT_FILE).lstat().st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode):
            return folder
        if not stat.S_ISDIR(mode):
            raise refusal(str(folder / PROJECT_FILE), mode)
    raise NotAProjectError(
        f"{start}: not an mlreq project (no {PROJECT_FILE} here or above); "
        "create one with `mlreq new PATH` or try `mlreq demo`"
    )
