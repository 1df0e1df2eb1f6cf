"""What `mlreq show`, `status`, `export` and `check` print, and that terminal control
sequences typed into an answer are shown as visible symbols, never sent raw."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from helpers import MLREQ_SCRIPT, ROOT, assert_one_line_error, console, git
from mlreq.projects import Project

V3 = tomllib.loads((ROOT / "bank" / "data" / "forms" / "v3.toml").read_text())
EVIL = "Title: \x1b]2;PWNED\x07 red: \x1b[31mRED\x1b[0m C1-CSI: \x9b2J end"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b")


def _save_evil(project_dir: Path) -> None:
    project = Project.open(project_dir)
    result = project.save("data.privacy", answer=EVIL, notes="note \x1b[2J")
    assert result.ok and result.commit


def _assert_no_raw_controls(text: str) -> None:
    for char in RAW_CONTROLS:
        assert char not in text, f"raw {char!r} in output"


def test_show_makes_control_characters_visible(cli, project_dir):
    _save_evil(project_dir)

    outcome = cli("show", "data.privacy", cwd=project_dir)

    assert outcome.code == 0
    _assert_no_raw_controls(outcome.out)
    assert "␛]2;PWNED␇" in outcome.out
    assert "␛[31mRED" in outcome.out
    assert "<U+009B>" in outcome.out
    assert "note ␛[2J" in outcome.out
    # The file keeps the exact text.
    data = tomllib.loads((project_dir / "answers" / "data.toml").read_text(encoding="utf-8"))
    assert data["data.privacy"]["answer"] == EVIL
    assert data["data.privacy"]["notes"] == "note \x1b[2J"


def test_show_through_console_script_writes_no_control_bytes(project_dir):
    _save_evil(project_dir)

    outcome = console("show", "data.privacy", cwd=project_dir)

    assert outcome.code == 0
    _assert_no_raw_controls(outcome.out + outcome.err)
    assert "PWNED" in outcome.out


def test_show_json_keeps_the_exact_text_escaped(cli, project_dir):
    _save_evil(project_dir)

    outcome = cli("show", "data.privacy", "--json", cwd=project_dir)

    assert "\x1b" not in outcome.out and "\x07" not in outcome.out  # JSON escapes them as \u001b
    assert json.loads(outcome.out)["answer"] == EVIL


@pytest.mark.parametrize("command", [("status",), ("export", "--format", "md")])
def test_status_and_markdown_export_write_no_control_bytes(cli, project_dir, command):
    _save_evil(project_dir)
    # A project name and a question text edited by hand can carry them too.
    form = project_dir / "form.toml"
    form.write_text(form.read_text().replace('text = "Who is the end user?"', 'text = "Who is the \\u001b[5mend user?"'))
    git(project_dir, "commit", "-qam", "tailor the form")

    outcome = cli(*command, cwd=project_dir)

    assert outcome.code == 0, outcome
    _assert_no_raw_controls(outcome.out)
    if command[0] == "export":  # Markdown escapes brackets: it renders as ␛[5m
        assert "␛\\[5mend user?" in outcome.out
        assert "␛\\]2;PWNED␇" in outcome.out
    else:
        assert "␛[5mend user?" in outcome.out


def test_status_lists_progress_and_open_questions(cli, project_dir):
    cli("answer", "scoping.business-problems", "--text", "Detect charger faults", cwd=project_dir)
    cli("answer", "scoping.end-user", "--text", "Fleet operators", "--status", "needs-review", cwd=project_dir)

    outcome = cli("status", cwd=project_dir)

    assert outcome.code == 0
    assert outcome.out.startswith("Test project: 2/37 answered")
    assert "Needs review (most urgent first):" in outcome.out and "scoping.end-user" in outcome.out
    assert "Open (35), most urgent first:" in outcome.out

    as_json = json.loads(cli("status", "--json", cwd=project_dir).out)
    assert as_json["answered"] == 2 and as_json["total"] == 37
    assert as_json["needs_review"] == ["scoping.end-user"]
    assert [s["name"] for s in as_json["stages"]] == ["Scoping", "Data", "Modeling", "Deployment"]
    assert as_json["stages"][0] == {"name": "Scoping", "answered": 2, "total": 8}
    assert as_json["uncommitted"] == []


def test_status_shows_uncommitted_changes(cli, project_dir, no_identity):
    cli("answer", "scoping.end-user", "--text", "Fleet operators", cwd=project_dir)

    outcome = cli("status", "--json", cwd=project_dir)

    assert json.loads(outcome.out)["uncommitted"] == ["scoping.end-user"]


def test_export_json_lists_the_37_questions_of_the_final_form(cli, project_dir):
    outcome = cli("export", "--format", "json", cwd=project_dir)

    assert outcome.code == 0
    data = json.loads(outcome.out)
    assert data["schema"] == "mlreq.export/1"
    assert data["project"] == "Test project"
    questions = data["questions"]
    assert len(questions) == 37
    assert [q["id"] for q in questions] == [q["id"] for q in V3["questions"]]
    role_names = {r["id"]: r["name"] for r in V3["roles"]}
    for exported, source in zip(questions, V3["questions"]):
        assert {"id", "stage", "question", "roles", "examples", "answer", "status"} <= set(exported)
        assert exported["question"] == source["text"]
        assert exported["stage"] == source["stage"]
        assert exported["examples"] == source["examples"]
        assert exported["roles"] == [role_names[r] for r in source["roles"]]
        assert isinstance(exported["roles"], list)
        assert exported["answer"] == "" and exported["status"] == "open"
    assert questions[0]["question"] == "What are the business problems?"


def test_export_json_carries_answers(cli, project_dir):
    cli("answer", "modeling.baseline", "--text", "Rules\nthen GBM", "--status", "agreed", cwd=project_dir)

    rows = {q["id"]: q for q in json.loads(cli("export", "--format", "json", cwd=project_dir).out)["questions"]}

    assert rows["modeling.baseline"]["answer"] == "Rules\nthen GBM"
    assert rows["modeling.baseline"]["status"] == "agreed"


def test_export_markdown_reads_like_the_thesis_tables(cli, project_dir):
    cli("answer", "data.data-source", "--text", "Telemetry | service log\nline two", cwd=project_dir)

    outcome = cli("export", "--format", "md", cwd=project_dir)

    text = outcome.out
    assert text.startswith("# Test project\n")
    for stage in ("## Scoping", "## Data", "## Modeling", "## Deployment"):
        assert stage in text
    assert text.count("| Roles to ask | Requirement Question | Requirement Question Answer |") == 4
    assert "| Data engineer, Data scientist | Where does the data come from? | Telemetry \\| service log<br>line two | draft |" in text or (
        "Where does the data come from? | Telemetry \\| service log<br>line two | draft |" in text
    )
    assert "1 of 37 questions answered" in text


def test_export_to_a_file(cli, project_dir, tmp_path):
    target = tmp_path / "requirements.md"

    outcome = cli("export", "--format", "md", "--output", target, cwd=project_dir)

    assert outcome.code == 0
    assert target.read_text().startswith("# Test project")
    assert git(project_dir, "status", "--porcelain") == ""


def test_export_csv_keeps_text_and_quotes_formulas_for_spreadsheets(cli, project_dir):
    cli("answer", "scoping.budget-limit", "--text", "=cmd|' /C calc'!A0", cwd=project_dir)
    cli("answer", "scoping.resources", "--text", "+1 engineer", cwd=project_dir)
    cli("answer", "scoping.end-user", "--text", "@SUM(1)", cwd=project_dir)
    cli("answer", "scoping.success-metrics", "--text", "-5% churn", cwd=project_dir)
    cli("answer", "data.data-source", "--text", "multi\nline, with \"quotes\"", cwd=project_dir)

    exact = {row["id"]: row for row in csv.DictReader(io.StringIO(cli("export", "--format", "csv", cwd=project_dir).out))}
    outcome = cli("export", "--format", "csv", "--for-spreadsheet", cwd=project_dir)

    assert exact["scoping.budget-limit"]["answer"] == "=cmd|' /C calc'!A0"
    assert exact["scoping.success-metrics"]["answer"] == "-5% churn"
    rows = list(csv.DictReader(io.StringIO(outcome.out)))
    assert len(rows) == 37
    by_id = {row["id"]: row for row in rows}
    assert by_id["scoping.budget-limit"]["answer"] == "'=cmd|' /C calc'!A0"
    assert by_id["scoping.resources"]["answer"] == "'+1 engineer"
    assert by_id["scoping.end-user"]["answer"] == "'@SUM(1)"
    assert by_id["scoping.success-metrics"]["answer"] == "'-5% churn"
    assert by_id["data.data-source"]["answer"] == 'multi\nline, with "quotes"'
    assert by_id["scoping.business-problems"]["question"] == "What are the business problems?"
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


def test_check_healthy_project(cli, project_dir):
    outcome = cli("check", project_dir)

    assert outcome.code == 0
    assert outcome.out.strip() == "ok: no problems found"


def test_check_reports_file_and_line(cli, project_dir):
    path = project_dir / "answers" / "modeling.toml"
    lines = path.read_text().splitlines(keepends=True)
    lines[6] = 'answer = "missing quote\n'
    path.write_text("".join(lines))

    outcome = cli("check", project_dir)

    assert outcome.code == 1
    assert "answers/modeling.toml:7:24: error: " in outcome.out
    assert "1 error(s)" in outcome.out
    assert path.read_text() == "".join(lines)


def test_check_through_console_script_on_broken_form(project_dir):
    (project_dir / "form.toml").write_text("[form\n")

    outcome = console("check", project_dir, cwd=project_dir)

    assert outcome.code == 1
    assert outcome.out.startswith("form.toml:1:")
    assert "Traceback" not in outcome.err


def test_check_not_a_project(tmp_path):
    outcome = console("check", tmp_path, cwd=tmp_path)

    assert_one_line_error(outcome, code=3)


@pytest.mark.parametrize("argv", [["log", "scoping.business-problems"], ["show", "scoping.business-problems", "--json"], ["diff", "--json"]])
def test_a_read_command_s_whole_output_reaches_a_pipe_and_a_file(cli, project_dir, tmp_path, argv):
    # Read commands end without Python's teardown (cli._end_now): what they printed must
    # still be flushed whole, to a pipe and to a file, with their exit code.
    for number in range(3):  # enough saves for more than one write of output
        assert cli("answer", "scoping.business-problems", "--text", f"version {number} " + "word " * 2000, cwd=project_dir).code == 0
    expected = cli(*argv, cwd=project_dir).out
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's shell runs it
    piped = console(*argv, cwd=project_dir, env=buffered)
    assert (piped.code, piped.out) == (0, expected) and len(expected) > 8192  # more than one buffer's worth
    target = tmp_path / "out.txt"
    with target.open("wb") as sink:
        done = subprocess.run([str(MLREQ_SCRIPT), *argv], cwd=project_dir, env=buffered, stdout=sink, stderr=subprocess.PIPE)
    assert done.returncode == 0 and target.read_text("utf-8") == expected


def test_a_read_command_whose_reader_goes_away_ends_quietly(project_dir):
    # `mlreq log | head -1`: the pipe closes early; the command ends with 0 and says nothing.
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(f"{shlex.quote(str(MLREQ_SCRIPT))} log | head -1", shell=True, cwd=project_dir, env=buffered, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.count("\n") == 1 and done.stderr == ""
