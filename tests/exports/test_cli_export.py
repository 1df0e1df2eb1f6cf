"""`mlreq export` options: formats, filters that apply to every format, --at, --output,
binary output and bad input (one clear line, exit 2, nothing written)."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers import MLREQ_SCRIPT, assert_one_line_error, console, git
from mlreq.projects import Project
from mlreq.projects.history import History

from .conftest import export_file

REQIF_NS = "{http://www.omg.org/spec/ReqIF/20110401/reqif.xsd}"


def question_ids(path: Path, fmt: str) -> list[str]:
    """The question ids an export file holds, read with that format's own reader."""
    if fmt == "json":
        return [q["id"] for q in json.loads(path.read_text(encoding="utf-8"))["questions"]]
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return [row["id"] for row in csv.DictReader(handle)]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path)
        stages = [sheet for sheet in workbook.worksheets[1:] if sheet.title != "About this form"]
        return [row[0].value for sheet in stages for row in sheet.iter_rows(min_row=2)]
    if fmt == "reqif":
        root = ET.fromstring(path.read_bytes())
        return [o.get("LONG-NAME") for o in root.iter(f"{REQIF_NS}SPEC-OBJECT") if "." in o.get("IDENTIFIER")]
    if fmt == "html":
        return re.findall(r'<article class="q [^"]*" id="q-([^"]+)"', path.read_text(encoding="utf-8"))
    if fmt == "md":  # the question text is the second cell; map it back through the form
        texts = [re.split(r"(?<!\\)\|", line)[2].strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.startswith("| ") and not line.startswith("| Roles to ask")]
        return texts
    raise AssertionError(fmt)


FORMATS = ["md", "html", "csv", "xlsx", "json", "reqif"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "filters",
    [("--stage", "data,modeling", "--status", "draft"), ("--stage", "Data", "--stage", "MODELING", "--status", "Draft")],
    ids=["comma-list", "repeated"],
)
def test_stage_and_status_filters_apply_to_every_format(cli, hostile, tmp_path, fmt, filters):
    found = question_ids(export_file(cli, hostile.path, tmp_path, fmt, *filters), fmt)

    if fmt == "md":
        assert found == ["Where does the data come from?", "What is the model baseline?"]
    else:
        assert found == ["data.data-source", "modeling.baseline"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_role_filter_applies_to_every_format(cli, hostile, tmp_path, fmt):
    extra = ("--include-unanswered",) if fmt == "reqif" else ()

    found = question_ids(export_file(cli, hostile.path, tmp_path, fmt, "--role", "legal", *extra), fmt)

    assert len(found) == 3  # the legal team's three questions (by its alias "Legal")
    if fmt != "md":
        assert found == ["data.privacy", "data.ownership", "modeling.audit"]


def test_filters_are_named_in_the_human_formats(cli, hostile, tmp_path):
    markdown = export_file(cli, hostile.path, tmp_path, "md", "--role", "Legal team", "--status", "agreed,open")
    html = export_file(cli, hostile.path, tmp_path, "html", "--role", "Legal team", "--status", "agreed,open")
    data = json.loads(export_file(cli, hostile.path, tmp_path, "json", "--role", "Legal team").read_text())

    assert "Filtered to role Legal team; status agreed or open." in markdown.read_text()
    assert "1 of 3 questions answered" in markdown.read_text()
    assert "## Scoping" not in markdown.read_text()  # no empty stage tables
    assert "Filtered to role Legal team; status agreed or open" in html.read_text()
    assert data["filters"] == {"stages": [], "roles": ["legal-team"], "statuses": []}


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--stage", "Training", "unknown stage 'Training': use one of Scoping, Data, Modeling, Deployment"),
        ("--stage", "data,trainig", "unknown stage 'trainig'"),
        ("--role", "Lawyer", "unknown role 'Lawyer': use one of Business stakeholder, Data scientist"),
        ("--status", "done", "unknown status 'done': use one of open, draft, agreed, needs-review"),
    ],
)
def test_unknown_filter_values_are_one_clear_line(cli, hostile, tmp_path, option, value, expected):
    target = tmp_path / "out.json"

    line = assert_one_line_error(cli("export", hostile.path, "--format", "json", "--output", target, option, value), 2)

    assert expected in line
    assert not target.exists()


def test_unknown_filter_through_the_console_script(hostile, tmp_path):
    outcome = console("export", "--role", "Lawyer", cwd=hostile.path)

    assert_one_line_error(outcome, 2)
    assert outcome.out == ""


def test_no_matching_question_says_so_and_exports_nothing(cli, hostile, tmp_path):
    outcome = cli("export", hostile.path, "--format", "json", "--role", "IT architect", "--status", "agreed")

    assert outcome.code == 0
    assert json.loads(outcome.out)["questions"] == []
    assert "no question matches role IT architect; status agreed" in outcome.err


@pytest.mark.parametrize(("name", "fmt"), [("r.html", "html"), ("r.HTM", "html"), ("r.xlsx", "xlsx"), ("r.reqif", "reqif"),
                                           ("r.csv", "csv"), ("r.json", "json"), ("r.markdown", "md"), ("r.txt", "md")])
def test_the_format_follows_the_output_suffix(cli, hostile, tmp_path, name, fmt):
    target = tmp_path / name

    outcome = cli("export", hostile.path, "--output", target)

    assert outcome.code == 0
    assert outcome.out == f"wrote {target} ({fmt}, {7 if fmt == 'reqif' else 37} questions)\n"
    head = target.read_bytes()[:40]
    expected = {"html": b"<!DOCTYPE html>", "xlsx": b"PK", "reqif": b"<?xml", "csv": b"id,stage", "json": b"{", "md": b"# Hostile"}
    assert head.startswith(expected[fmt])


def test_binary_format_needs_a_file(cli, hostile):
    line = assert_one_line_error(cli("export", hostile.path, "--format", "xlsx"), 2)

    assert "xlsx is a binary format: give --output FILE" in line


def test_binary_format_goes_to_a_pipe(hostile, tmp_path):
    from openpyxl import load_workbook

    result = subprocess.run([str(MLREQ_SCRIPT), "export", "--format", "xlsx"], cwd=hostile.path, capture_output=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout[:2] == b"PK"
    assert load_workbook(io.BytesIO(result.stdout)).sheetnames[0] == "Summary"


def test_binary_format_refuses_a_terminal(hostile):
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [str(MLREQ_SCRIPT), "export", "--format", "xlsx"], cwd=hostile.path, stdout=follower, stderr=subprocess.PIPE, timeout=60
        )
        os.close(follower)
        follower = -1
        written = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            written += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)

    assert result.returncode == 2
    assert result.stderr.decode().startswith("mlreq: xlsx is a binary format: give --output FILE")
    assert b"PK" not in written


def test_include_unanswered_is_for_reqif_only(cli, hostile):
    line = assert_one_line_error(cli("export", hostile.path, "--format", "md", "--include-unanswered"), 2)

    assert "--include-unanswered applies to --format reqif only" in line


def test_output_to_a_folder_or_a_missing_folder_is_refused(cli, hostile, tmp_path):
    folder_line = assert_one_line_error(cli("export", hostile.path, "--output", tmp_path), 2)
    missing_line = assert_one_line_error(cli("export", hostile.path, "--output", tmp_path / "no" / "such.md"), 2)

    assert "is a folder" in folder_line
    assert "cannot write" in missing_line and "No such file or directory" in missing_line


def test_help_teaches_the_formats_and_filters(tmp_path):
    outcome = console("export", "--help", cwd=tmp_path)

    assert outcome.code == 0
    for word in ("md", "html", "csv", "xlsx", "json", "reqif", "--stage", "--role", "--status", "--at", "--output"):
        assert word in outcome.out
    assert "mlreq export --format reqif --stage Data --output data.reqif" in outcome.out


# --------------------------------------------------------------------------- --at and time stamps


def _reqif_objects(path: Path) -> dict[str, ET.Element]:
    root = ET.fromstring(path.read_bytes())
    return {o.get("LONG-NAME"): o for o in root.iter(f"{REQIF_NS}SPEC-OBJECT") if "." in o.get("IDENTIFIER")}


def _answer(element: ET.Element) -> str:
    for value in element.iter(f"{REQIF_NS}ATTRIBUTE-VALUE-STRING"):
        if value.find(f".//{REQIF_NS}ATTRIBUTE-DEFINITION-STRING-REF").text == "mlreq-attr-answer":
            return value.get("THE-VALUE")
    raise AssertionError("no answer")


def test_reqif_at_an_iteration_shows_that_time(cli, project_dir, tmp_path):
    project = Project.open(project_dir)
    first = project.save("data.data-source", answer="Telemetry only")
    History(project).create_iteration("Kick-off workshop")
    project.save("data.data-source", answer="Telemetry and tickets")
    project.save("data.privacy", answer="No personal data")

    then = _reqif_objects(export_file(cli, project_dir, tmp_path, "reqif", "--at", "Kick-off workshop", "--stage", "data"))
    now = _reqif_objects(export_file(cli, project_dir, tmp_path, "reqif", "--stage", "data"))

    assert list(then) == ["data.data-source"] and _answer(then["data.data-source"]) == "Telemetry only"
    committed = git(project_dir, "log", "-1", "--format=%aI", first.commit).strip()
    assert datetime.fromisoformat(then["data.data-source"].get("LAST-CHANGE")) == datetime.fromisoformat(committed)
    assert list(now) == ["data.data-source", "data.privacy"]
    assert _answer(now["data.data-source"]) == "Telemetry and tickets"
    assert then["data.data-source"].get("IDENTIFIER") == now["data.data-source"].get("IDENTIFIER")
    markdown = export_file(cli, project_dir, tmp_path, "md", "--at", "Kick-off workshop").read_text()
    assert f"As at 'Kick-off workshop' (commit {first.commit[:10]}, " in markdown


def test_reqif_marks_an_uncommitted_answer_as_changed_now(cli, project_dir, tmp_path, no_identity):
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    outcome = cli("answer", "data.privacy", "--text", "Saved but not committed", cwd=project_dir)
    assert outcome.code == 5, outcome  # saved on disk, git has no identity to commit it

    objects = _reqif_objects(export_file(cli, project_dir, tmp_path, "reqif"))

    assert _answer(objects["data.privacy"]) == "Saved but not committed"
    assert datetime.fromisoformat(objects["data.privacy"].get("LAST-CHANGE")) >= before


def test_reqif_identifiers_survive_a_project_rename(cli, project_dir, tmp_path):
    Project.open(project_dir).save("data.privacy", answer="No personal data")
    first = _reqif_objects(export_file(cli, project_dir, tmp_path, "reqif"))
    settings = project_dir / "mlreq.toml"
    settings.write_text(settings.read_text().replace('name = "Test project"', 'name = "Renamed project"'))

    second = _reqif_objects(export_file(cli, project_dir, tmp_path, "reqif"))

    assert first["data.privacy"].get("IDENTIFIER") == second["data.privacy"].get("IDENTIFIER")


def test_export_leaves_the_repository_untouched(cli, hostile, tmp_path):
    before = git(hostile.path, "status", "--porcelain")
    for fmt in FORMATS:
        export_file(cli, hostile.path, tmp_path, fmt)
    assert git(hostile.path, "status", "--porcelain") == before


def test_tailored_stage_names_make_valid_sheets_and_filters(cli, project_dir, tmp_path):
    from openpyxl import load_workbook

    form = project_dir / "form.toml"
    text = form.read_text()
    text = text.replace('name = "Data"', 'name = "Summary"', 1).replace('name = "Modeling"', 'name = "R&D: models/tests, v2"', 1)
    form.write_text(text)
    git(project_dir, "commit", "-qam", "Tailor the stage names")

    workbook = load_workbook(export_file(cli, project_dir, tmp_path, "xlsx"))
    only = question_ids(export_file(cli, project_dir, tmp_path, "json", "--stage", "R&D: models/tests, v2"), "json")

    assert workbook.sheetnames == ["Summary", "Scoping", "Summary (2)", "R&D- models-tests, v2", "Deployment", "About this form"]
    assert len(only) == 8 and all(qid.startswith("modeling.") for qid in only)


def test_reqif_last_change_counts_a_commit_made_with_plain_git(cli, project_dir, tmp_path, monkeypatch):
    project = Project.open(project_dir)
    project.save("data.privacy", answer="No personal data")
    kept = project.save("data.data-source", answer="Telemetry")
    answers = project_dir / "answers" / "data.toml"
    answers.write_text(answers.read_text().replace('"No personal data"', '"Pseudonymised driver ids only"'))
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2030-01-02T03:04:05+00:00")
    git(project_dir, "commit", "-qam", "Fix the privacy answer by hand")  # no Mlreq-Question trailer
    monkeypatch.delenv("GIT_AUTHOR_DATE")

    objects = _reqif_objects(export_file(cli, project_dir, tmp_path, "reqif"))

    assert datetime.fromisoformat(objects["data.privacy"].get("LAST-CHANGE")) == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    committed = git(project_dir, "log", "-1", "--format=%aI", kept.commit).strip()
    assert datetime.fromisoformat(objects["data.data-source"].get("LAST-CHANGE")) == datetime.fromisoformat(committed)
