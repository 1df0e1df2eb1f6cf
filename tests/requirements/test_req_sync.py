"""Two clones, one bare remote: requirements.toml merges by requirement id through `mlreq sync`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from sync.conftest import Team, git

SOURCE = "data.data-source"


def _new(team: Team, side: Path, text: str, *more: str) -> str:
    return team.mlreq(side, "req", "new", "--from", SOURCE, "--text", text, *more).out.strip()


def _shown(team: Team, side: Path, rid: str) -> dict:
    return json.loads(team.mlreq(side, "req", "show", rid, "--json").out)


def _file(side: Path) -> dict:
    return tomllib.loads((side / "requirements.toml").read_text("utf-8"))


def test_requirements_written_on_both_sides_are_all_kept_and_no_id_is_given_twice(team: Team) -> None:
    assert git(team.a, "check-attr", "merge", "--", "requirements.toml").strip().endswith("merge: mlreq")
    assert _new(team, team.a, "The system shall read OCPP logs.") == "REQ-001"
    assert _new(team, team.b, "The system shall keep raw logs for 2 years.") == "REQ-001"
    team.sync(team.a)
    merged = team.sync(team.b)
    team.sync(team.a)

    assert "REQ-001 was given on the other side too (to another requirement); yours is now REQ-002" in merged.out
    for side in (team.a, team.b):
        texts = {r["id"]: r["text"] for r in _file(side)["requirement"]}
        assert texts == {"REQ-001": "The system shall read OCPP logs.", "REQ-002": "The system shall keep raw logs for 2 years."}
        assert _file(side)["last_id"] == 2
    assert _new(team, team.a, "The system shall map chargers to sites.") == "REQ-003"
    team.assert_nothing_lost()


def test_a_requirement_changed_on_both_sides_keeps_both_versions(team: Team) -> None:
    _new(team, team.a, "The system shall read OCPP logs.", "--criterion", "one log read")
    team.sync(team.a)
    team.sync(team.b)
    team.mlreq(team.a, "req", "edit", "REQ-001", "--text", "The system shall read OCPP 1.6 logs.", "--priority", "high")
    team.mlreq(team.b, "req", "edit", "REQ-001", "--text", "The system shall read OCPP 2.0 logs.",
               "--criterion", "one log read", "--criterion", "a 2.0 log read")
    team.sync(team.a)
    report = team.sync(team.b)
    team.sync(team.a)

    assert "requirements changed on both sides, both versions kept: REQ-001" in report.out
    for side in (team.a, team.b):
        merged = _shown(team, side, "REQ-001")
        assert merged["text"] == "The system shall read OCPP 2.0 logs."  # the merging side's (b)
        assert merged["conflict"] == {"text": "The system shall read OCPP 1.6 logs."}  # and a's, kept
        assert merged["status"] == "needs-review" and "both sides" in merged["review"]
        assert merged["priority"] == "high"  # changed on one side only: combined
        assert merged["criteria"] == ["one log read", "a 2.0 log read"]
    team.mlreq(team.a, "req", "edit", "REQ-001", "--text", "The system shall read OCPP 1.6 and 2.0 logs.")
    settled = _shown(team, team.a, "REQ-001")
    assert settled["conflict"] == {} and settled["status"] == "draft"
    assert "conflict" not in (team.a / "requirements.toml").read_text("utf-8")
    team.sync(team.a)
    team.assert_nothing_lost()


def test_an_answer_changed_elsewhere_flags_this_sides_requirements_after_sync(team: Team) -> None:
    team.answer(team.a, SOURCE, "Charger logs via OCPP")
    team.sync(team.a)
    team.sync(team.b)
    _new(team, team.b, "The system shall read OCPP logs.")
    team.answer(team.a, SOURCE, "Charger logs via OCPP and MQTT")
    team.sync(team.a)
    team.sync(team.b)

    flagged = _shown(team, team.b, "REQ-001")
    assert flagged["status"] == "needs-review" and flagged["review"].startswith("data.data-source changed (sync from")
    message = git(team.b, "log", "-1", "--format=%B")
    assert message.startswith("Flag requirements for review after sync\n\nRequirements flagged needs-review")
    assert message.rstrip().endswith("\n\nMlreq-Requirement: REQ-001")
    assert git(team.b, "status", "--porcelain").strip() == ""
    team.assert_nothing_lost()
