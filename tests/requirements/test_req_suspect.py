"""Requirements written from an answer are flagged needs-review when its words change,
in the answer's own commit; whitespace or punctuation alone flags nothing."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import commit_count, files_in_commit, git

SOURCE = "data.data-source"
UNRELATED = "scoping.resources"


def req(cli, project_dir: Path, *argv: str):
    outcome = cli("req", *argv, "--project", project_dir)
    assert outcome.code == 0, outcome
    return outcome


def answer(cli, project_dir: Path, qid: str, text: str) -> None:
    assert cli("answer", qid, "--text", text, "--project", project_dir).code == 0


def shown(cli, project_dir: Path, rid: str) -> dict:
    return json.loads(req(cli, project_dir, "show", rid, "--json").out)


def test_a_changed_answer_flags_its_requirements_in_the_same_commit(cli, project_dir: Path) -> None:
    answer(cli, project_dir, SOURCE, "Charger logs via OCPP")
    for text in ("The system shall read OCPP logs.", "The system shall keep OCPP logs.", "The system shall map logs."):
        req(cli, project_dir, "new", "--from", SOURCE, "--text", text, "--criterion", "checked")
    req(cli, project_dir, "new", "--from", UNRELATED, "--text", "The team shall have 2 engineers.")
    req(cli, project_dir, "edit", "REQ-002", "--status", "agreed")
    req(cli, project_dir, "retire", "REQ-003")

    commits = commit_count(project_dir)
    answer(cli, project_dir, SOURCE, "Charger logs via OCPP, weather data from the met office")
    assert commit_count(project_dir) == commits + 1  # one commit: the answer and the flags
    assert files_in_commit(project_dir) == ["answers/data.toml", "requirements.toml"]
    message = git(project_dir, "log", "-1", "--format=%B")
    assert "Mlreq-Question: data.data-source" in message
    assert "Mlreq-Requirement: REQ-001" in message and "Mlreq-Requirement: REQ-002" in message
    assert "REQ-003" not in message and "REQ-004" not in message
    for rid in ("REQ-001", "REQ-002"):
        flagged = shown(cli, project_dir, rid)
        assert flagged["status"] == "needs-review"
        assert flagged["review"].startswith("data.data-source changed (Test Person, ")
    assert shown(cli, project_dir, "REQ-003")["status"] == "retired"
    assert shown(cli, project_dir, "REQ-004")["status"] == "draft"
    suspects = req(cli, project_dir, "list", "--suspect").out
    assert "REQ-001" in suspects and "REQ-002" in suspects and "REQ-004" not in suspects

    # Editing a flagged requirement settles its review, as editing a flagged answer does.
    req(cli, project_dir, "edit", "REQ-001", "--text", "The system shall read OCPP logs and weather data.")
    settled = shown(cli, project_dir, "REQ-001")
    assert settled["status"] == "draft" and settled["review"] == ""
    req(cli, project_dir, "edit", "REQ-002", "--status", "agreed")
    assert shown(cli, project_dir, "REQ-002")["review"] == ""


def test_whitespace_or_punctuation_edits_flag_no_requirement(cli, project_dir: Path) -> None:
    answer(cli, project_dir, SOURCE, "Charger logs via OCPP")
    req(cli, project_dir, "new", "--from", SOURCE, "--text", "The system shall read OCPP logs.")
    req(cli, project_dir, "edit", "REQ-001", "--status", "agreed")
    before = (project_dir / "requirements.toml").read_bytes()
    answer(cli, project_dir, SOURCE, "Charger logs,  via OCPP.\n")
    assert files_in_commit(project_dir) == ["answers/data.toml"]
    assert (project_dir / "requirements.toml").read_bytes() == before
    assert shown(cli, project_dir, "REQ-001")["status"] == "agreed"


def test_a_broken_requirements_file_keeps_the_answer_on_disk_and_says_why(cli, project_dir: Path) -> None:
    answer(cli, project_dir, SOURCE, "Charger logs via OCPP")
    req(cli, project_dir, "new", "--from", SOURCE, "--text", "The system shall read OCPP logs.")
    path = project_dir / "requirements.toml"
    path.write_text(path.read_text("utf-8") + "[[requirement]\n", "utf-8")
    commits = commit_count(project_dir)
    outcome = cli("answer", SOURCE, "--text", "Charger logs via MQTT", "--project", project_dir)
    assert outcome.code == 5, outcome  # saved on disk, not committed
    assert "requirements.toml:" in outcome.err and "not committed" in outcome.err
    assert "via MQTT" in (project_dir / "answers" / "data.toml").read_text("utf-8")
    assert commit_count(project_dir) == commits
    path.write_text(path.read_text("utf-8").replace("[[requirement]\n", ""), "utf-8")
    retried = cli("answer", SOURCE, "--text", "Charger logs via MQTT", "--project", project_dir)
    assert retried.code == 0, retried
    assert files_in_commit(project_dir) == ["answers/data.toml", "requirements.toml"]
    assert shown(cli, project_dir, "REQ-001")["status"] == "needs-review"


def test_the_autosaves_of_a_first_answer_flag_no_requirement(cli, project_dir: Path) -> None:
    """The same rule as for dependent answers: writing the form is not changing it, and the
    saves that go on typing one answer are one edit."""
    from mlreq.projects import Project

    req(cli, project_dir, "new", "--from", SOURCE, "--text", "The system shall read charger logs.")
    req(cli, project_dir, "edit", "REQ-001", "--status", "agreed")
    project = Project.open(project_dir)  # one session, as the app keeps it
    for typed in ("Charger", "Charger logs via", "Charger logs via OCPP from the CPMS"):
        project.save(SOURCE, answer=typed)
    assert shown(cli, project_dir, "REQ-001")["status"] == "agreed"
    assert "Requirements flagged needs-review" not in git(project_dir, "log", "--format=%B")  # no commit flagged any


def test_undoing_a_slip_puts_the_requirements_it_flagged_back(cli, project_dir: Path) -> None:
    from mlreq.projects import Project

    answer(cli, project_dir, SOURCE, "Charger logs via OCPP")
    req(cli, project_dir, "new", "--from", SOURCE, "--text", "The system shall read OCPP logs.")
    req(cli, project_dir, "edit", "REQ-001", "--status", "agreed")
    req(cli, project_dir, "new", "--from", SOURCE, "--text", "The system shall keep OCPP logs.")
    before = (project_dir / "requirements.toml").read_bytes()
    project = Project.open(project_dir)
    project.save(SOURCE, answer="oops Charger logs via OCPP")
    assert shown(cli, project_dir, "REQ-001")["status"] == "needs-review"
    project.save(SOURCE, answer="Charger logs via OCPP")
    assert (project_dir / "requirements.toml").read_bytes() == before  # byte for byte as it was
    message = git(project_dir, "log", "-1", "--format=%B")
    assert "Requirements no longer flagged needs-review (the change that flagged them was undone):\n  REQ-001\n  REQ-002" in message
    assert files_in_commit(project_dir) == ["answers/data.toml", "requirements.toml"]
    assert git(project_dir, "status", "--porcelain") == ""
