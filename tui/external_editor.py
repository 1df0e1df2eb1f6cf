"""Hand an answer to the user's own editor ($VISUAL, $EDITOR, else vi) and read it back."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from mlreq.bank.errors import MlreqError
from mlreq.projects.layout import STATE_DIR
from mlreq.projects.safefile import project_folder, read_regular_file

if TYPE_CHECKING:
    from textual.app import App


def edit_externally(text: str, project_root: Path, app: App) -> str:
    """The edited text; a failing editor raises MlreqError and leaves its file in .mlreq/."""
    command = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    try:
        folder = project_folder(project_root, STATE_DIR)  # never a committed link out of the project
        descriptor, name = tempfile.mkstemp(prefix="answer-", suffix=".md", dir=folder)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except (OSError, MlreqError) as exc:
        raise MlreqError(f"cannot prepare the answer for {command[0]}: {getattr(exc, 'strerror', None) or exc}") from None
    with app.suspend():
        try:
            status = subprocess.call([*command, name])
        except OSError as exc:
            raise MlreqError(f"cannot run {command[0]}: {exc.strerror or exc} (set $EDITOR)") from None
    if status != 0:
        raise MlreqError(f"{command[0]} exited with status {status}; the answer is unchanged (text kept in {name})")
    try:
        edited = read_regular_file(Path(name)).decode("utf-8")  # the editor may have left anything there
    except UnicodeDecodeError:
        raise MlreqError(f"{name}: not valid UTF-8; the answer is unchanged") from None
    except OSError as exc:
        raise MlreqError(f"{name}: cannot read ({exc.strerror or exc}); the answer is unchanged") from None
    Path(name).unlink(missing_ok=True)
    return edited
