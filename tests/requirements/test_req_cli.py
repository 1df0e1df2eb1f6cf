"""`mlreq req`: requirements written from answers, in requirements.toml, one commit per save."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from helpers import assert_one_line_error, commit_count, files_in_commit, git

SOURCE = "data.data-source"  # traces to P5
OTHER = "scoping.resources"
EVENT = "When a charger reports a fault code, the system shall predict the failing part within 5 minutes."


def requirements_of(project_dir: Path) -> list[dict]:
    return tomllib.loads((project_dir / "requirements.toml").read_text("utf-8"))["requirement"]


def new(cli, project_dir: Path, *argv: str) -> str:
    outcome = cli("req", "new", "--project", project_dir, *argv)
    assert outcome.code == 0, outcome
    return outcome.out.strip()


def test_a_requirement_is_written_shown_edited_and_retired_each_in_one_commit(cli, project_dir: Path) -> None:
    commits = commit_count(project_dir)
    first = new(cli, project_dir, "--from", SOURCE, "--from", OTHER, "--text", EVENT,
                "--criterion", "95% of fault codes get a prediction within 5 minutes", "--priority", "high",
                "--owner", "Data scientist")
    assert first == "REQ-001"
    assert commit_count(project_dir) == commits + 1
    assert files_in_commit(project_dir) == ["requirements.toml"]
    message = git(project_dir, "log", "-1", "--format=%B")
    assert message.startswith("Add requirement REQ-001 (from data.data-source, scoping.resources)")
    assert "Mlreq-Requirement: REQ-001" in message
    [stored] = requirements_of(project_dir)
    assert stored == {
        "id": "REQ-001", "text": EVENT, "pattern": "event", "from": [SOURCE, OTHER],
        "criteria": ["95% of fault codes get a prediction within 5 minutes"], "priority": "high",
        "status": "draft", "owner": "data-scientist",
    }
    shown = json.loads(cli("req", "show", "REQ-001", "--json", "--project", project_dir).out)
    question_traces = json.loads(cli("show", SOURCE, "--json", "--project", project_dir).out)
    assert "P5" in shown["challenges"] and shown["ears"] == []
    assert shown["challenges"] == sorted(shown["challenges"], key=lambda t: (t.rstrip("0123456789"), int(t.lstrip("PB"))))
    assert question_traces  # the question exists and is shown alongside
    text = cli("req", "show", "REQ-001", "--project", project_dir).out
    assert "Where does the data come from?" in text and "Challenges: " in text and "- 95% of fault codes" in text

    second = new(cli, project_dir, "--from", SOURCE, "--text", "The system shall keep every raw log for 2 years.")
    assert second == "REQ-002"
    edited = cli("req", "edit", "REQ-002", "--status", "agreed", "--criterion", "a log from 700 days ago can be read",
                 "--project", project_dir)
    assert edited.code == 0 and "REQ-002 edited (commit" in edited.out, edited
    assert git(project_dir, "log", "-1", "--format=%s").strip() == "Edit requirement REQ-002: criteria, status"
    assert requirements_of(project_dir)[1]["status"] == "agreed"

    retired = cli("req", "retire", "REQ-002", "--project", project_dir)
    assert retired.code == 0, retired
    assert [r["status"] for r in requirements_of(project_dir)] == ["draft", "retired"]  # kept, never deleted
    listed = cli("req", "list", "--project", project_dir).out
    assert "REQ-001" in listed and "REQ-002" not in listed and "1 retired not shown" in listed
    assert "REQ-002" in cli("req", "list", "--status", "retired", "--project", project_dir).out
    assert commit_count(project_dir) == commits + 4
    unchanged = cli("req", "retire", "REQ-002", "--project", project_dir)
    assert unchanged.code == 0 and "unchanged" in unchanged.out and commit_count(project_dir) == commits + 4


def test_ids_are_never_reused_even_after_a_hand_deletion(cli, project_dir: Path) -> None:
    for n in range(2):
        new(cli, project_dir, "--from", SOURCE, "--text", f"The system shall keep log {n}.")
    path = project_dir / "requirements.toml"
    text = path.read_text("utf-8")
    path.write_text(text[: text.index('[[requirement]]\nid = "REQ-002"')], "utf-8")  # deleted by hand
    assert new(cli, project_dir, "--from", SOURCE, "--text", "The system shall keep log 3.") == "REQ-003"


def test_comments_and_layout_of_a_hand_edited_file_survive_an_edit(cli, project_dir: Path) -> None:
    new(cli, project_dir, "--from", SOURCE, "--text", "The system shall log.")
    path = project_dir / "requirements.toml"
    path.write_text(path.read_text("utf-8").replace('status = "draft"', 'status = "draft"  # asked Ana'), "utf-8")
    assert cli("req", "edit", "REQ-001", "--status", "agreed", "--project", project_dir).code == 0
    assert 'status = "agreed"  # asked Ana' in path.read_text("utf-8")


def _duplicate(path: Path) -> None:
    path.write_text(path.read_text("utf-8").replace('id = "REQ-002"', 'id = "REQ-001"'), "utf-8")


def _dangling(path: Path) -> None:
    path.write_text(path.read_text("utf-8").replace(f'from = ["{SOURCE}"]', 'from = ["data.gone"]', 1), "utf-8")


@pytest.mark.parametrize(
    ("argv", "edit_file", "code", "says"),
    [
        (["new", "--from", "data.nope", "--text", "The system shall log."], None, 2, "unknown question 'data.nope'"),
        (["new", "--from", SOURCE, "--text", "   "], None, 2, "needs a text"),
        (["new", "--from", SOURCE, "--text", "The system shall log.", "--pattern", "eventual"], None, 2, "unknown pattern 'eventual'"),
        (["new", "--from", SOURCE, "--text", "The system shall log.", "--owner", "Janitor"], None, 2, "unknown role 'Janitor'"),
        (["edit", "REQ-003", "--text", "The system shall log more."], None, 2, "REQ-003 is retired"),
        (["edit", "REQ-009", "--text", "The system shall log more."], None, 2, "unknown requirement 'REQ-009'"),
        (["edit", "REQ-001"], None, 2, "nothing to change"),
        (["new", "--from", SOURCE, "--text", "The system shall log."], _duplicate, 3, "requirements.toml:"),
        (["edit", "REQ-001", "--status", "agreed"], _dangling, 3, "comes from 'data.gone', which is not a question"),
        (["list"], _dangling, 3, "data.gone"),
    ],
    ids=["unknown-question", "empty-text", "unknown-pattern", "unknown-role", "retired", "unknown-id", "no-change",
         "duplicate-id", "dangling-link", "dangling-link-list"],
)
def test_bad_input_is_one_line_and_writes_nothing(cli, project_dir: Path, argv, edit_file, code, says) -> None:
    for n in range(3):
        new(cli, project_dir, "--from", SOURCE, "--text", f"The system shall keep log {n}.")
    assert cli("req", "retire", "REQ-003", "--project", project_dir).code == 0
    path = project_dir / "requirements.toml"
    if edit_file is not None:
        edit_file(path)
    before, commits = path.read_bytes(), commit_count(project_dir)
    outcome = cli("req", *argv, "--project", project_dir)
    line = assert_one_line_error(outcome, code)
    assert says in line, line
    assert path.read_bytes() == before and commit_count(project_dir) == commits
    if edit_file is _duplicate:
        assert "REQ-001 is used twice (first at line" in line


def test_a_requirements_file_that_is_a_link_is_refused(cli, project_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text("last_id = 0\n")
    os.symlink(secret, project_dir / "requirements.toml")
    for argv in (["list"], ["new", "--from", SOURCE, "--text", "The system shall log."]):
        line = assert_one_line_error(cli("req", *argv, "--project", project_dir), 3)
        assert "symbolic link" in line
    assert secret.read_text() == "last_id = 0\n"


def test_check_says_why_and_fails_only_when_a_requirement_breaks_ears(cli, project_dir: Path) -> None:
    new(cli, project_dir, "--from", SOURCE, "--text", EVENT, "--criterion", "measured on 100 recorded fault codes")
    assert cli("req", "check", "--project", project_dir).code == 0
    new(cli, project_dir, "--from", SOURCE, "--text", "The dashboard should be fast and user-friendly etc.")
    outcome = cli("req", "check", "--project", project_dir)
    assert outcome.code == 1
    assert 'REQ-002: no "shall"' in outcome.out and "'fast'" in outcome.out and "'user-friendly'" in outcome.out
    assert "REQ-002: no acceptance criterion" in outcome.out and "REQ-001" not in outcome.out
    data = json.loads(cli("req", "check", "--json", "--project", project_dir).out)
    assert [d["id"] for d in data] == ["REQ-001", "REQ-002"] and data[0]["problems"] == [] and data[1]["problems"]
    assert cli("req", "retire", "REQ-002", "--project", project_dir).code == 0  # advice never blocks a save
    assert cli("req", "check", "--project", project_dir).code == 0


def test_mlreq_check_reports_a_broken_requirements_file_where_it_is(cli, project_dir: Path) -> None:
    for n in range(2):
        new(cli, project_dir, "--from", SOURCE, "--text", f"The system shall keep log {n}.")
    assert cli("check", project_dir).code == 0
    _duplicate(project_dir / "requirements.toml")
    outcome = cli("check", project_dir)
    assert outcome.code == 1 and "requirements.toml:" in outcome.out and "REQ-001 is used twice" in outcome.out


def test_a_requirement_written_as_an_inline_table_is_read_and_not_mangled(cli, project_dir: Path) -> None:
    path = project_dir / "requirements.toml"
    path.write_text(f'last_id = 1\nrequirement = [{{id = "REQ-001", text = "The system shall log.", pattern = "ubiquitous", '
                    f'from = ["{SOURCE}"], criteria = ["c"]}}]\n', "utf-8")
    assert "REQ-001" in cli("req", "list", "--project", project_dir).out
    before = path.read_bytes()
    outcome = cli("req", "edit", "REQ-001", "--status", "agreed", "--project", project_dir)
    if outcome.code == 0:  # tomlkit edited it in place: it must read back as asked
        assert json.loads(cli("req", "show", "REQ-001", "--json", "--project", project_dir).out)["status"] == "agreed"
    else:
        assert "could not be changed in place" in assert_one_line_error(outcome, 3)
        assert path.read_bytes() == before
    before, commits = path.read_bytes(), commit_count(project_dir)
    added = cli("req", "new", "--from", SOURCE, "--text", "The system shall log more.", "--project", project_dir)
    assert "could not be changed in place" in assert_one_line_error(added, 3)  # an inline array takes no table
    assert path.read_bytes() == before and commit_count(project_dir) == commits
