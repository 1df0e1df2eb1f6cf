"""The dialogs that interrupt typing, at 80x24 (pytest-textual-snapshot; see test_snapshots.py).

Both must show everything a decision needs on the smallest supported terminal: the
conflict dialog its two texts and all three buttons, draft recovery the text it offers,
what restoring flags for review, and its buttons.
"""

from __future__ import annotations

import json
import time

import pytest

from mlreq.projects import Project
from mlreq.projects.drafts import DraftStore
from mlreq.tui.modals.conflict_modal import ConflictModal
from mlreq.tui.modals.recover_drafts import RecoverDrafts
from test_snapshots import still
from tui_helpers import wait_until

FIRST = "scoping.business-problems"


def test_conflict_dialog_80x24(snap_compare, demo: Project, make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typing over Ana's answer while a colleague saves another one: the poll shows both."""
    monkeypatch.setattr("mlreq.tui.screens.form_screen.AUTOSAVE_DELAY", 600.0)

    async def conflict(pilot) -> None:  # type: ignore[no-untyped-def]
        await still(pilot)
        await pilot.press(*"At night too. ")
        Project.open(demo.root).save(FIRST, answer="Chargers fail silently; drivers find out first.")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConflictModal))
        await pilot.pause()

    assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=conflict)


def test_draft_recovery_80x24(snap_compare, demo: Project, make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session killed while typing left a draft; restoring it would flag what builds on it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    store = DraftStore(demo.root)
    store.session = "999999999-gone00"  # no such process: a session that ended
    path = store.write(FIRST, "Chargers drop offline and nobody notices until a driver calls.", demo.entry(FIRST))
    record = json.loads(path.read_text("utf-8"))
    record["saved_at"] = 1_767_225_600  # 2026-01-01 00:00 UTC: the picture must not depend on the clock
    path.write_text(json.dumps(record), "utf-8")

    async def offered(pilot) -> None:  # type: ignore[no-untyped-def]
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, RecoverDrafts))
        await pilot.pause()
        pilot.app.get_screen("form").editor.cursor_blink = False
        await pilot.pause()

    try:
        assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=offered)
    finally:
        monkeypatch.undo()
        time.tzset()
