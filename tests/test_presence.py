"""Issue 15: presence files (who is on which question) and remembered browser authors.

They live in `.mlreq/`, written by other processes or planted by a hostile clone: links,
oversized or torn files and stale ones count as nobody; names are kept as text, never obeyed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mlreq.projects import Identity
from mlreq.projects.browsers import remember_identity, remembered_identity
from mlreq.projects.presence import MAX_BYTES, PRESENCE_DIR, STALE, PresenceBoard


def test_sessions_see_each_other_and_not_links_huge_torn_or_stale_files(tmp_path: Path) -> None:
    root = tmp_path
    mine, theirs = PresenceBoard(root), PresenceBoard(root)
    theirs.announce("Ada \x1b]2;pwned\x07", "data.data-source", True, now=1000.0)
    mine.announce("Me", "scoping.resources", True, now=1000.0)
    folder = root / PRESENCE_DIR
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"author": "from a link", "question": "x", "at": 1000.0}))
    os.symlink(secret, folder / "link.json")
    (folder / "huge.json").write_text(json.dumps({"author": "x" * MAX_BYTES, "question": "x", "at": 1000.0}))
    (folder / "torn.json").write_text('{"author": "half')
    (folder / "old.json").write_text(json.dumps({"author": "gone", "question": "x", "at": 1000.0 - STALE - 1}))
    (folder / "future.json").write_text(json.dumps({"author": "planted", "question": "x", "at": 1e12}))

    others = mine.others(now=1001.0)
    assert [(p.author, p.question, p.editing) for p in others] == [("Ada \x1b]2;pwned\x07", "data.data-source", True)]
    assert mine.others(now=1000.0 + STALE + 1) == []  # stale once the heartbeat stops
    theirs.leave()
    assert mine.others(now=1001.0) == []


def test_a_browser_is_remembered_by_its_id_and_a_malformed_id_names_no_file(tmp_path: Path) -> None:
    browser = "AbCdEfGhIjKlMnOpQrSt"
    assert remembered_identity(tmp_path, browser) is None
    assert remember_identity(tmp_path, browser, Identity("Ada Lovelace", "ada@example.com"))
    assert remembered_identity(tmp_path, browser) == Identity("Ada Lovelace", "ada@example.com")
    assert remembered_identity(tmp_path, "../../etc/passwd") is None
    assert not remember_identity(tmp_path, "../../x" * 3, Identity("A", "a@b"))
    assert [p.name for p in (tmp_path / ".mlreq" / "browsers").iterdir()] == [f"{browser}.json"]
