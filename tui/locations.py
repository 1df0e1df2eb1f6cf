"""Where mlreq keeps per-user state: the list of recent projects. Nothing at import time."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mlreq.projects.atomic import atomic_write

RECENT_LIMIT = 10


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "mlreq"


def recent_projects() -> list[Path]:
    try:
        paths = json.loads((state_dir() / "recent.json").read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in paths if isinstance(p, str) and (Path(p) / "mlreq.toml").is_file()]


def remember_project(root: Path) -> None:
    """Put `root` first in the recent list; failing to record it is never an error."""
    paths = [str(root)] + [str(p) for p in recent_projects() if p != root]
    try:
        state_dir().mkdir(parents=True, exist_ok=True)
        atomic_write(state_dir() / "recent.json", json.dumps(paths[:RECENT_LIMIT], indent=1).encode())
    except OSError:
        pass
