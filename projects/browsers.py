"""The commit author each browser of `mlreq serve` gave, remembered per browser.

A browser is known by a random id in a cookie (`mlreq serve` makes it); the identity it
entered is kept in `.mlreq/browsers/<id>.json` (machine-local, git-ignored), so the
person is asked once, not on every visit. The id becomes a file name only once it has
the shape `mlreq serve` gives it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .atomic import atomic_write
from .errors import InvalidInputError, ProjectFileError
from .gitrepo import Identity
from .layout import STATE_DIR
from .safefile import read_project_file, writable_path

BROWSERS_DIR = f"{STATE_DIR}/browsers"
BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def check_browser_id(browser_id: str) -> str:
    if not BROWSER_ID.match(browser_id):
        raise InvalidInputError("--browser-id: expected 16 to 64 letters, digits, '-' or '_'")
    return browser_id


def remembered_identity(project_root: Path, browser_id: str) -> Identity | None:
    """The identity this browser gave before, or None (never given, or unreadable)."""
    try:
        data = read_project_file(project_root, f"{BROWSERS_DIR}/{check_browser_id(browser_id)}.json", limit=4096)
        record = json.loads(data)
        return Identity.parse(f"{record['name']} <{record['email']}>")
    except (OSError, ValueError, KeyError, TypeError, RecursionError, ProjectFileError, InvalidInputError):
        return None


def remember_identity(project_root: Path, browser_id: str, identity: Identity) -> bool:
    """Keep `identity` for this browser; False when it could not be written (asked again next time)."""
    record = json.dumps({"name": identity.name, "email": identity.email}, ensure_ascii=False).encode()
    try:
        atomic_write(writable_path(project_root, f"{BROWSERS_DIR}/{check_browser_id(browser_id)}.json"), record)
    except (OSError, ProjectFileError, InvalidInputError):
        return False
    return True
