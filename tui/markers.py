"""How a status looks in lists: a symbol that reads without colour (NO_COLOR, SSH)."""

from __future__ import annotations

MARKERS = {"open": "○", "draft": "◐", "agreed": "●", "needs-review": "!"}
LABELS = {"open": "open", "draft": "draft", "agreed": "agreed", "needs-review": "needs review"}


def marker(status: str) -> str:
    return MARKERS.get(status, "?")
