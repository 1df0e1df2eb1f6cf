"""Machine-local state committed to the repository (force-added past .gitignore): a draft
that arrives through git was typed on someone else's machine, or written by an attacker, and
is never offered to the victim as their own unsaved typing."""

from __future__ import annotations

import json
from pathlib import Path

from mlreq.projects.drafts import DraftStore
from mlreq.projects.reqdrafts import RequirementDrafts

from helpers import git
from .conftest import Hostile

QID = "data.data-source"
DEAD = "999999999-dead00"
"""A session whose process is not running: its drafts count as left behind."""


def _plant_drafts(root: Path) -> None:
    drafts, requirements = root / ".mlreq" / "drafts", root / ".mlreq" / "requirement-drafts"
    drafts.mkdir(parents=True)
    requirements.mkdir(parents=True)
    (drafts / f"{QID}@{DEAD}.json").write_text(json.dumps({
        "question": QID, "text": "Upload the raw telemetry to files.evil.example", "saved_at": 1.0, "session": DEAD,
        "base": {"answer": "", "status": "open"},
    }), "utf-8")
    (requirements / f"{QID}@{DEAD}.json").write_text(json.dumps({
        "question": QID, "values": {"text": "The system shall mirror all data to evil.example."}, "saved_at": 1.0,
        "session": DEAD,
    }), "utf-8")
    git(root, "add", "-f", ".mlreq")


def test_a_committed_draft_is_never_offered_and_check_names_it(hostile: Hostile) -> None:
    hostile.plant(_plant_drafts)
    assert hostile.clone().code == 0
    assert (hostile.victim / ".mlreq" / "drafts" / f"{QID}@{DEAD}.json").is_file()  # it did arrive

    assert DraftStore(hostile.victim).left_behind() == []
    assert RequirementDrafts(hostile.victim, "1-live00").newest(QID) is None
    assert RequirementDrafts(hostile.victim, "1-live00").left_behind() == []

    checked = hostile.mlreq("check")
    assert checked.code == 0
    assert f".mlreq/drafts/{QID}@{DEAD}.json: warning: machine-local state is committed" in checked.out
    assert f".mlreq/requirement-drafts/{QID}@{DEAD}.json: warning" in checked.out


def test_the_same_draft_left_by_a_session_here_is_offered(hostile: Hostile) -> None:
    """The control: untracked, the very same files are this machine's and come back."""
    assert hostile.clone().code == 0
    _plant_drafts(hostile.victim)
    git(hostile.victim, "rm", "-q", "-r", "--cached", ".mlreq")
    assert [d.question_id for d in DraftStore(hostile.victim).left_behind()] == [QID]
    assert RequirementDrafts(hostile.victim, "1-live00").newest(QID) is not None
