"""Where a project's files live inside its folder."""

from __future__ import annotations

from pathlib import Path

from .errors import NotAProjectError

PROJECT_FILE = "mlreq.toml"
FORM_FILE = "form.toml"
ANSWERS_DIR = "answers"
STATE_DIR = ".mlreq"
"""Machine-local state (lock, drafts); ignored by git through the project's .gitignore."""


def answers_file(stage_id: str) -> str:
    return f"{ANSWERS_DIR}/{stage_id}.toml"


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding mlreq.toml, like git finds .git."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise NotAProjectError(
        f"{start}: not an mlreq project (no {PROJECT_FILE} here or above); "
        "create one with `mlreq new PATH` or try `mlreq demo`"
    )
