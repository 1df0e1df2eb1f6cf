"""Coverage (issue 13 item 6): `mlreq status` says which answered questions have no
requirement yet and which challenges no requirement covers; retired ones count for nothing."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import git

SOURCE = "data.data-source"  # traces to P5
OTHER = "scoping.resources"
UNASKED = "modeling.audit"  # never answered here: needs no requirement


def _status(cli, project_dir: Path) -> tuple[str, dict]:
    text, data = cli("status", "--project", project_dir), cli("status", "--json", "--project", project_dir)
    assert text.code == 0 and data.code == 0, (text, data)
    return text.out, json.loads(data.out)["requirements"]


def test_status_lists_answers_without_a_requirement_and_uncovered_challenges(cli, project_dir: Path) -> None:
    for qid in (SOURCE, OTHER):
        assert cli("answer", qid, "--text", f"An answer to {qid}", "--project", project_dir).code == 0
    text, coverage = _status(cli, project_dir)
    assert coverage["written"] == 0 and coverage["answered_without_requirement"] == [OTHER, SOURCE]
    assert [c["id"] for c in coverage["uncovered_challenges"]] == ["P1", "P2", "P3", "P4", "P5", "P6", "BP1", "BP2", "BP3", "BP4"]
    assert "Answered without a requirement (2; `mlreq req new --from QID`):" in text and f"  {SOURCE} " in text
    assert "  P5   Disorganized Data" in text

    made = cli("req", "new", "--from", SOURCE, "--text", "The system shall keep raw logs for 2 years.", "--project", project_dir)
    assert made.code == 0, made
    text, coverage = _status(cli, project_dir)
    assert coverage["written"] == 1 and coverage["answered_without_requirement"] == [OTHER]
    assert "P5" not in [c["id"] for c in coverage["uncovered_challenges"]] and UNASKED not in coverage["answered_without_requirement"]
    assert "Requirements: 1 in force (1 draft)" in text and "  P5   " not in text and f"  {SOURCE} " not in text.split("Answered without")[1]

    assert cli("req", "retire", "REQ-001", "--project", project_dir).code == 0
    text, coverage = _status(cli, project_dir)  # a retired requirement covers nothing
    assert coverage["written"] == 0 and coverage["statuses"]["retired"] == 1
    assert coverage["answered_without_requirement"] == [OTHER, SOURCE] and "P5" in [c["id"] for c in coverage["uncovered_challenges"]]
    assert "Requirements: 0 in force (1 retired)" in text


def test_a_broken_requirements_file_is_said_and_status_still_works(cli, project_dir: Path) -> None:
    (project_dir / "requirements.toml").write_text("last_id = [\n", "utf-8")
    text, coverage = _status(cli, project_dir)
    assert coverage["problem"].startswith("requirements.toml:") and coverage["answered_without_requirement"] == []
    assert "Requirements: cannot be read: requirements.toml:" in text
    assert git(project_dir, "status", "--porcelain").strip() == "?? requirements.toml"  # nothing written


def test_coverage_knows_every_requirement_status() -> None:
    from mlreq.projects import reqcoverage, requirements

    assert reqcoverage.STATUSES == requirements.STATUSES
